"""No 500 on hostile input: each class the attacker's test found (deep nesting, lone surrogates, huge
integers, NUL, control characters in names) is a clear 400 or 422, on SQLite and on PostgreSQL, and
nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.web.conftest import People, make_web_app


@pytest.fixture
def web(tmp_path: Path, clock: Clock, store_url: str) -> Iterator[Flask]:
    app = make_web_app(tmp_path, clock)
    app.config["CAREPLAN_ENV"] = {**app.config["CAREPLAN_ENV"], "CAREPLAN_DATABASE_URL": store_url}
    yield app
    if "careplan" in app.extensions:
        app.extensions["careplan"].close()


@pytest.fixture
def setting(web: Flask) -> tuple[FlaskClient, People, str]:
    people = People(web)
    client = web.test_client()
    created = client.post("/api/v1/journeys", json={"patient_ref": "MRN-HOSTILE-1"}, headers=people.headers("coordinator"))
    return client, people, created.get_json()["id"]


def post_raw(setting: tuple[FlaskClient, People, str], body: str, path: str = "events") -> tuple[int, dict]:
    client, people, journey = setting
    url = f"/api/v1/journeys/{journey}/events" if path == "events" else "/api/v1/journeys"
    headers = {**people.headers("clinician" if path == "events" else "coordinator"), "Content-Type": "application/json"}
    response = client.post(url, data=body.encode("utf-8"), headers=headers)
    return response.status_code, response.get_json()


def versions(setting: tuple[FlaskClient, People, str]) -> int:
    client, people, journey = setting
    return len(client.get(f"/api/v1/journeys/{journey}/events", headers=people.headers("clinician")).get_json())


def test_json_nested_a_thousand_deep_is_a_400(setting: tuple[FlaskClient, People, str]) -> None:
    status, body = post_raw(setting, '{"type":"NoteAdded","data":{"text":"x","n":' + "[" * 1000 + "]" * 1000 + "}}")
    assert status == 400 and "nested more than" in body["message"]
    assert versions(setting) == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ('{"type":"NoteAdded","data":{"text":"a\\ud800b"}}', "data.text"),
        ('{"type":"NoteAdded","data":{"text":"x"},"reason":"\\udfff"}', "reason"),
        ('{"patient_ref":"MRN\\ud800"}', "patient_ref"),
    ],
)
def test_a_lone_surrogate_in_any_text_is_a_422_naming_the_field(setting: tuple[FlaskClient, People, str], body: str, field: str) -> None:
    status, answer = post_raw(setting, body, "events" if "type" in body else "journeys")
    assert status == 422 and "valid Unicode" in answer["errors"][field][0]
    assert versions(setting) == 1


@pytest.mark.parametrize("where", ['"data":{"weeks":NUMBER}', '"data":{"text":"x"},"expected_version":NUMBER'])
def test_a_five_thousand_digit_integer_is_a_422(setting: tuple[FlaskClient, People, str], where: str) -> None:
    body = '{"type":"' + ("MaintenanceIntervalSet" if "weeks" in where else "NoteAdded") + '",' + where.replace("NUMBER", "9" * 5000) + "}"
    status, answer = post_raw(setting, body)
    assert status == 422 and "64-bit" in answer["errors"]["body"][0]
    assert versions(setting) == 1


def test_nul_in_a_json_text_is_a_422(setting: tuple[FlaskClient, People, str]) -> None:
    status, answer = post_raw(setting, '{"type":"NoteAdded","data":{"text":"a\\u0000b"}}')
    assert status == 422 and "NUL" in answer["errors"]["data.text"][0]


@pytest.mark.parametrize("path", ["/dashboard?q=MRN%00x", "/audit/?q=a%00", "/audit/access/?user=a%00b", "/audit/access/?journey=%00"])
def test_nul_in_a_search_or_filter_is_a_400_on_both_stores(web: Flask, path: str) -> None:
    client = web.test_client()
    People(web).login(client, "admin")
    response = client.get(path)
    assert response.status_code == 400 and b"NUL" in response.data


def test_nul_in_a_posted_search_is_a_400(web: Flask) -> None:
    from tests.web.conftest import csrf

    client = web.test_client()
    People(web).login(client, "admin")
    assert client.post("/dashboard/search", data={"q": "MRN\x00", "csrf_token": csrf(client)}).status_code == 400


@pytest.mark.parametrize("name", ["ts\\u0000h", "t\\u0007sh", "tsh\\n", "\\u007f"])
def test_control_characters_in_screening_value_names_are_a_422(setting: tuple[FlaskClient, People, str], name: str) -> None:
    body = '{"type":"ScreeningResulted","data":{"panel":"thyroid","abnormal":false,"values":{"' + name + '":1.5}}}'
    status, answer = post_raw(setting, body)
    assert status == 422 and ("control characters" in str(answer) or "NUL" in str(answer))
    assert versions(setting) == 1


def test_the_schema_itself_refuses_control_characters_in_value_names() -> None:
    from events.schemas.event_data import DATA_SCHEMAS

    errors = DATA_SCHEMAS["ScreeningResulted"]().validate({"panel": "thyroid", "abnormal": False, "values": {"t\x07sh": 1.0}})
    assert "control characters" in str(errors["values"])
