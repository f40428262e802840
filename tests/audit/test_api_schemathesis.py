"""Schemathesis against ``/api/v1/openapi.json``: generated requests, valid and not, to every
operation; no answer is a 5xx and every answer matches the document (status, content type, body).

Runs the app in-process through WSGI with a clinician's bearer token, on a SQLite file of its own.
The checks are the ones about answers (no server error; status code, content type, headers and body
as documented; 405 with Allow; no answer without the token). Left out: ``positive_data_acceptance`` and ``negative_data_rejection``,
which judge how strict input validation is against what OpenAPI can express (event data depends on
its type; ``as_of`` and ``version`` exclude each other; unknown query parameters are ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests.conftest import Clock
from tests.web.conftest import People, make_web_app

TOKENS: dict[str, str] = {}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    unsupported_method,
    allow_header_conformance,
    ignored_auth,
]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    app = make_web_app(tmp_path_factory.mktemp("schemathesis"), clock)
    people = People(app)
    TOKENS["clinician"] = people.add("clinician").token
    created = app.test_client().post(
        "/api/v1/journeys", json={"patient_ref": "MRN-FUZZ-1"}, headers=people.headers("coordinator")
    )
    assert created.status_code == 201
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    app.extensions["careplan"].close()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_without_5xx_and_as_documented(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKENS['clinician']}"}, checks=CHECKS)


def test_a_page_far_beyond_the_end_is_an_empty_page_not_a_server_error(api_schema: schemathesis.BaseSchema) -> None:
    """Found by schemathesis: page 10**18 overflowed the database's integer (a 500)."""
    client = api_schema.app.test_client()  # type: ignore[attr-defined]
    headers = {"Authorization": f"Bearer {TOKENS['clinician']}"}
    for path in ("/api/v1/journeys?page=922337203685477580&page_size=500", "/api/v1/worklists?offset=99999999999999999999"):
        assert client.get(path, headers=headers).status_code == 200, path


HOSTILE_BODIES = [
    '{"type":"NoteAdded","data":{"text":"x","n":' + "[" * 1000 + "]" * 1000 + "}}",
    '{"type":"NoteAdded","data":{"text":"\\ud800"},"patient_ref":"\\ud800"}',
    '{"type":"MaintenanceIntervalSet","data":{"weeks":' + "9" * 5000 + '},"patient_ref":"MRN-1"}',
    '{"type":"NoteAdded","data":{"text":"a\\u0000"},"patient_ref":"a\\u0000"}',
    '{"type":"ScreeningResulted","data":{"panel":"thyroid","abnormal":false,"values":{"t\\u0007sh":1}}}',
]


def test_every_operation_answers_the_attackers_bodies_and_queries_with_a_4xx(api_schema: schemathesis.BaseSchema) -> None:
    """The cases schemathesis' generator did not reach: each body at every POST, NUL and a lone
    surrogate in every GET's query, all without a server error."""
    client = api_schema.app.test_client()  # type: ignore[attr-defined]
    headers = {"Authorization": f"Bearer {TOKENS['clinician']}", "Content-Type": "application/json"}
    listed = client.get("/api/v1/journeys", headers=headers).get_json()
    journey = (listed if isinstance(listed, list) else listed["items"])[0]["id"]
    posted = 0
    for path, methods in api_schema.raw_schema["paths"].items():
        url = ("" if path.startswith("/api") else "/api/v1") + path.replace("{journey_id}", journey)
        for method in methods:
            if method == "post":
                posted += 1
                for body in HOSTILE_BODIES:
                    status = client.post(url, data=body.encode(), headers=headers).status_code
                    assert 400 <= status < 500, (url, body[:40], status)
            elif method == "get":
                for query in ("?q=%00", "?status=%ED%A0%80", "?as_of=%00"):
                    status = client.get(url + query, headers=headers).status_code
                    assert status < 500, (url, query, status)
    assert posted >= 2, "the journeys and events POSTs were tried"
