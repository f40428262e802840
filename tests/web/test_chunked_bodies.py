"""A chunked body meets the same hostile-input checks as one with a Content-Length (finding 4 of the
security issue): JSON nested 1,000 deep and 5,000-digit integers answer 400 and 422, never 500, and
record nothing, on the real werkzeug server and through the test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import http.client
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import Clock
from tests.web.conftest import People, make_web_app
from tests.web.live import served

DEEP = '{"type":"NoteAdded","data":{"text":"x","n":' + "[" * 1000 + "]" * 1000 + "}}"
HUGE = '{"type":"NoteAdded","data":{"text":"x","n":' + "9" * 5000 + "}}"
HUGE_OPENING = '{"patient_ref":"MRN-CHUNKED-2","protocol_version":' + "7" * 5000 + "}"


@pytest.fixture
def web(tmp_path: Path, clock: Clock, store_url: str) -> Iterator[Flask]:
    app = make_web_app(tmp_path, clock)
    app.config["CAREPLAN_ENV"] = {**app.config["CAREPLAN_ENV"], "CAREPLAN_DATABASE_URL": store_url}
    yield app
    if "careplan" in app.extensions:
        app.extensions["careplan"].close()


def pieces(body: str) -> Iterator[bytes]:
    data = body.encode()
    for start in range(0, len(data), 700):
        yield data[start : start + 700]


def send_chunked(port: int, path: str, body: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """POSTs ``body`` with Transfer-Encoding: chunked and no Content-Length, off a real socket."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, body=pieces(body), headers={**headers, "Content-Type": "application/json"}, encode_chunked=True)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def opened(web: Flask, people: People) -> str:
    created = web.test_client().post("/api/v1/journeys", json={"patient_ref": "MRN-CHUNKED-1"}, headers=people.headers("coordinator"))
    return str(created.get_json()["id"])


def events_of(web: Flask, people: People, journey: str) -> int:
    return len(web.test_client().get(f"/api/v1/journeys/{journey}/events", headers=people.headers("clinician")).get_json())


@pytest.mark.parametrize(
    "body, status, code",
    [(DEEP, 400, "malformed_json"), (HUGE, 422, "validation_failed")],
    ids=["nested 1,000 deep", "5,000-digit integer"],
)
def test_a_chunked_body_on_the_real_server_meets_the_json_limits(web: Flask, body: str, status: int, code: str) -> None:
    people = People(web)
    journey = opened(web, people)
    with served(web) as port:
        answers = [send_chunked(port, f"/api/v1/journeys/{journey}/events", body, people.headers("clinician")) for _ in range(8)]
        opening = send_chunked(port, "/api/v1/journeys", HUGE_OPENING, people.headers("coordinator"))
    assert all(answer == answers[0] for answer in answers)
    assert answers[0][0] == status and answers[0][1]["code"] == code, answers[0]
    assert opening[0] == 422 and opening[1]["code"] == "validation_failed", opening
    assert events_of(web, people, journey) == 1


def test_a_chunked_body_through_the_test_client_meets_the_json_limits(web: Flask) -> None:
    people = People(web)
    journey = opened(web, people)
    for body, status in ((DEEP, 400), (HUGE, 422)):
        response = web.test_client().post(
            f"/api/v1/journeys/{journey}/events",
            input_stream=io.BytesIO(body.encode()),
            headers={**people.headers("clinician"), "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )
        assert response.status_code == status, response.get_json()
        assert response.request.content_length is None, "framed as chunked: no length to go by"
    assert events_of(web, people, journey) == 1
