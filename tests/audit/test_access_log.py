"""The access log: every read of patient data, in the pages and the API, leaves one entry (who, when,
what), the log cannot be rewritten, and auditors review it by person, journey and time."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from careplan.audit.access_log import Access, AccessLog, access_log_for
from tests.conftest import Clock
from tests.web.conftest import People, make_web_app

PATIENT = "MRN-ACCESS-4471"


@pytest.fixture
def web(tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    app = make_web_app(tmp_path, clock)
    yield app
    if "careplan" in app.extensions:
        app.extensions["careplan"].close()


@pytest.fixture
def people(web: Flask) -> People:
    return People(web)


def entries(web: Flask) -> list[Access]:
    return list(reversed(access_log_for(web.extensions["careplan"]).search(limit=1000).entries))


def open_journey(web: Flask, people: People) -> str:
    response = web.test_client().post("/api/v1/journeys", json={"patient_ref": PATIENT}, headers=people.headers("coordinator"))
    assert response.status_code == 201
    return str(response.get_json()["id"])


def test_a_scripted_session_leaves_one_entry_per_read(web: Flask, people: People, clock: Clock) -> None:
    journey = open_journey(web, people)
    api, pages, auditor = web.test_client(), web.test_client(), web.test_client()
    clinician = people.headers("clinician")
    people.login(pages, "clinician")
    people.login(auditor, "auditor")
    reads: list[tuple[FlaskClient, str, str, dict[str, Any]]] = [
        (api, "GET", f"/api/v1/journeys/{journey}", {"headers": clinician}),
        (api, "GET", f"/api/v1/journeys/{journey}?version=1", {"headers": clinician}),
        (api, "GET", f"/api/v1/journeys/{journey}/events", {"headers": clinician}),
        (api, "GET", f"/api/v1/journeys/{journey}/fhir", {"headers": clinician}),
        (api, "GET", "/api/v1/journeys", {"headers": clinician}),
        (api, "GET", "/api/v1/worklists", {"headers": clinician}),
        (pages, "GET", "/dashboard", {}),
        (pages, "GET", f"/journeys/{journey}", {}),
        (pages, "GET", f"/journeys/{journey}/events/new", {}),
        (auditor, "GET", "/audit/", {}),
        (auditor, "GET", f"/audit/journeys/{journey}?version=1", {}),
        (auditor, "GET", f"/audit/journeys/{journey}/diff", {}),
        (auditor, "GET", f"/audit/journeys/{journey}/log", {}),
        (auditor, "GET", f"/audit/journeys/{journey}/history.json", {}),
    ]
    for client, method, path, options in reads:
        clock.advance(minutes=1)
        response = client.open(path, method=method, **options)
        assert response.status_code == 200, (path, response.status_code)
    logged = entries(web)
    assert len(logged) == len(reads)
    for (client, _, path, _), entry in zip(reads, logged):
        assert entry.user_id == ("auditor" if client is auditor else "clinician")
        assert entry.role == entry.user_id and entry.status == 200
        assert entry.journey_id == (UUID(journey) if journey in path else None)
    assert [e.at for e in logged] == sorted(e.at for e in logged) and logged[-1].at == clock.now
    assert logged[0].action == "GET /api/v1/journeys/{journey_id}" and logged[0].asked == {}
    assert logged[1].asked == {"version": "1"}
    assert logged[13].action == "GET /audit/journeys/{journey_id}/history.{kind}" and logged[13].asked == {"kind": "json"}


def test_what_is_not_a_read_of_patient_data_leaves_no_entry(web: Flask, people: People) -> None:
    journey = open_journey(web, people)
    client = web.test_client()
    client.get(f"/api/v1/journeys/{journey}")  # no token: 401, no one read anything
    client.get("/api/v1/event-types", headers=people.headers("clinician"))
    client.get("/api/v1/openapi.json")
    client.get(f"/journeys/{journey}")  # signed out: sent to the sign-in page
    people.login(client, "auditor")
    client.get("/login")
    assert entries(web) == []


def test_a_search_is_logged_without_its_search_term(web: Flask, people: People) -> None:
    open_journey(web, people)
    client = web.test_client()
    people.login(client, "auditor")
    client.get("/journeys/new")  # a page with a form: the session gets its CSRF token (and logs nothing)
    with client.session_transaction() as session:
        token = session["_csrf_token"]
    assert client.post("/audit/search", data={"q": PATIENT, "csrf_token": token}).status_code == 200
    (entry,) = entries(web)
    assert (entry.action, entry.asked, entry.journey_id) == ("POST /audit/search", {}, None)


def test_refused_and_missing_reads_are_logged_with_their_answer(web: Flask, people: People) -> None:
    journey = open_journey(web, people)
    client = web.test_client()
    people.login(client, "clinician")
    missing = uuid4()
    assert client.get(f"/audit/journeys/{journey}").status_code == 403
    assert client.get(f"/api/v1/journeys/{missing}", headers=people.headers("clinician")).status_code == 404
    assert [(e.status, e.journey_id) for e in entries(web)] == [(403, UUID(journey)), (404, missing)]


def test_no_patient_reference_is_written_to_the_access_log(web: Flask, people: People, tmp_path: Path) -> None:
    journey = open_journey(web, people)
    client = web.test_client()
    people.login(client, "auditor")
    for path in ("/audit/", f"/audit/journeys/{journey}", f"/audit/journeys/{journey}/history.csv"):
        client.get(path)
    client.get(f"/api/v1/journeys/{journey}/fhir", headers=people.headers("auditor"))
    with sqlite3.connect(tmp_path / "careplan.sqlite") as conn:
        rows = conn.execute("SELECT * FROM access_log").fetchall()
    assert len(rows) == 4 and PATIENT not in repr(rows)


def test_the_log_refuses_updates_and_deletes_on_sqlite(web: Flask, people: People, tmp_path: Path) -> None:
    journey = open_journey(web, people)
    web.test_client().get(f"/api/v1/journeys/{journey}", headers=people.headers("clinician"))
    with sqlite3.connect(tmp_path / "careplan.sqlite") as conn:
        for statement in ("UPDATE access_log SET user_id = 'someone'", "DELETE FROM access_log"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(statement)
    assert entries(web)[0].user_id == "clinician"


def test_on_postgresql_the_log_records_searches_and_refuses_changes(make_app: Any, postgres_url: str, clock: Clock) -> None:
    log = AccessLog(make_app(postgres_url, clock))
    AccessLog(make_app(postgres_url, clock))  # a second process starting: the table is made once
    journey = uuid4()
    log.record(Access(clock.now, "dr-lee", "clinician", journey, "GET /api/v1/journeys/{journey_id}", {"version": "2"}))
    log.record(Access(clock.advance(hours=1), "audit-1", "auditor", None, "GET /audit/", {}))
    page = log.search(journey_id=journey)
    assert [(e.user_id, e.asked, e.at) for e in page.entries] == [("dr-lee", {"version": "2"}, clock.now - timedelta(hours=1))]
    assert log.search(since=clock.now - timedelta(minutes=1)).total == 1
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for statement in ("UPDATE access_log SET user_id = 'x'", "DELETE FROM access_log", "TRUNCATE access_log"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(statement)
    assert log.search().total == 2


def fill(web: Flask, start: datetime, count: int, journey: UUID) -> None:
    """Entries a minute apart from ``start`` (in the past: the auditor's session must not idle out)."""
    log = access_log_for(web.extensions["careplan"])
    for number in range(count):
        who = "dr-lee" if number % 2 else "rn-okafor"
        at = start + timedelta(minutes=number + 1)
        log.record(Access(at, who, "clinician", journey if number % 3 == 0 else None, "GET /dashboard"))


def test_the_auditor_page_filters_by_user_journey_and_time_and_pages(web: Flask, people: People, clock: Clock) -> None:
    client = web.test_client()
    people.login(client, "auditor")
    journey = uuid4()
    start = clock.now - timedelta(hours=3)
    fill(web, start, 120, journey)
    page = client.get("/audit/access/").get_data(as_text=True)
    assert "Entries <span class=\"count\">120</span>" in page and "1–50 of 120" in page
    assert "101–121 of 121" in client.get("/audit/access/?page=3").get_data(as_text=True), "the first look is logged"
    assert '<span class="count">60</span>' in client.get("/audit/access/?user=dr-lee").get_data(as_text=True)
    assert '<span class="count">40</span>' in client.get(f"/audit/access/?journey={journey}").get_data(as_text=True)
    since = (start + timedelta(minutes=10, seconds=30)).strftime("%Y-%m-%dT%H:%M:%S")
    until = (start + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")
    assert '<span class="count">10</span>' in client.get(f"/audit/access/?since={since}&until={until}").get_data(as_text=True)
    assert client.get("/audit/access/?journey=not-a-uuid").status_code == 400
    assert client.get("/audit/access/?since=yesterday").status_code == 400


def test_only_auditors_and_admins_see_the_access_log(web: Flask, people: People) -> None:
    assert web.test_client().get("/audit/access/").status_code == 302
    for role, expected in (("clinician", 403), ("coordinator", 403), ("admin", 200), ("auditor", 200)):
        client = web.test_client()
        people.login(client, role)
        assert client.get("/audit/access/").status_code == expected, role
