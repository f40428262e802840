"""A 409 ``journey_exists`` names the open journey of a patient reference: that is a read of the
journey, and the access log records it (a low finding of the security issue), through the API and
the page, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from flask import Flask

from careplan.audit.access_log import Access, access_log_for
from careplan.domain.values import Actor
from tests.conftest import Clock
from tests.web.conftest import People, make_web_app
from tests.web.pages import hidden
from web.services import careplan

PATIENT = "MRN-CONFLICT-8"


@pytest.fixture
def web(tmp_path: Path, clock: Clock, store_url: str) -> Iterator[Flask]:
    app = make_web_app(tmp_path, clock)
    app.config["CAREPLAN_ENV"] = {**app.config["CAREPLAN_ENV"], "CAREPLAN_DATABASE_URL": store_url}
    yield app
    if "careplan" in app.extensions:
        app.extensions["careplan"].close()


def opened_elsewhere(web: Flask) -> UUID:
    """The patient's open journey, opened by another coordinator (not through a logged read)."""
    with web.app_context():
        return careplan().open_journey(PATIENT, actor=Actor("coordinator-2", "coordinator"))


def entries(web: Flask) -> list[Access]:
    return list(access_log_for(web.extensions["careplan"]).search(limit=1000).entries)


def test_a_409_journey_exists_from_the_api_is_logged_as_a_read_of_that_journey(web: Flask) -> None:
    people = People(web)
    journey = opened_elsewhere(web)
    again = web.test_client().post("/api/v1/journeys", json={"patient_ref": PATIENT}, headers=people.headers("coordinator"))
    assert again.status_code == 409 and again.get_json()["journey_id"] == str(journey)
    logged = [e for e in entries(web) if e.status == 409]
    assert [(e.user_id, e.role, e.journey_id, e.action) for e in logged] == [
        ("coordinator", "coordinator", journey, "POST /api/v1/journeys")
    ]
    assert PATIENT not in repr(entries(web))


def test_a_409_journey_exists_on_the_page_is_logged_as_a_read_of_that_journey(web: Flask) -> None:
    people = People(web)
    journey = opened_elsewhere(web)
    client = web.test_client()
    people.login(client, "coordinator")
    form = client.get("/journeys/new").get_data(as_text=True)
    data = {"csrf_token": hidden(form, "csrf_token"), "nonce": hidden(form, "nonce"), "patient_ref": PATIENT, "protocol": "ketamine-trd"}
    answer = client.post("/journeys/new", data=data)
    assert answer.status_code == 409 and str(journey) in answer.get_data(as_text=True)
    logged = [e for e in entries(web) if e.status == 409]
    assert [(e.user_id, e.journey_id, e.action) for e in logged] == [("coordinator", journey, "POST /journeys/new")]
