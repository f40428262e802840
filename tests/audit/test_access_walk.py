"""Every route is walked as an admin and as a clinician, and each answer that shows the patient's
reference is compared with the access log: it must have left exactly one entry, naming that route.
The event form shown again after a refused POST (422, 409) and the access log's own page count too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from careplan.audit.access_log import access_log_for
from tests.conftest import Clock
from tests.web.conftest import People, make_web_app
from tests.web.pages import open_form, post_event

PATIENT = "MRN-WALK-5521"


@pytest.fixture
def web(tmp_path: Path, clock: Clock, store_url: str) -> Iterator[Flask]:
    app = make_web_app(tmp_path, clock)
    app.config["CAREPLAN_ENV"] = {**app.config["CAREPLAN_ENV"], "CAREPLAN_DATABASE_URL": store_url}
    yield app
    if "careplan" in app.extensions:
        app.extensions["careplan"].close()


def logged(web: Flask) -> int:
    return access_log_for(web.extensions["careplan"]).search(limit=1).total


def concrete(rule: str, journey: str) -> str:
    rule = rule.replace("<uuid:journey_id>", journey)
    rule = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", rule)
    rule = re.sub(r"<int:[^>]+>", "1", rule)
    return re.sub(r"<[^>]+>", "admin", rule)


def walk(web: Flask, client: FlaskClient, journey: str, **request: object) -> list[str]:
    """Each GET route; returns those that showed the patient reference without one new log entry."""
    unlogged = []
    for rule in sorted(web.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        path = concrete(rule.rule, journey)
        before = logged(web)
        response = client.get(path, **request)  # type: ignore[arg-type]
        shows_patient = PATIENT.encode() in response.get_data()
        if shows_patient and logged(web) - before != 1:
            unlogged.append(f"{rule.rule} ({response.status_code}, {logged(web) - before} entries)")
    return unlogged


@pytest.mark.parametrize("role", ["admin", "clinician", "auditor"])
def test_every_page_and_api_answer_that_shows_a_patient_leaves_one_entry(web: Flask, role: str) -> None:
    people = People(web)
    journey = web.test_client().post(
        "/api/v1/journeys", json={"patient_ref": PATIENT}, headers=people.headers("coordinator")
    ).get_json()["id"]
    client = web.test_client()
    people.login(client, role)
    assert walk(web, client, journey) == []
    assert walk(web, web.test_client(), journey, headers=people.headers(role)) == []


def test_the_event_form_shown_again_after_a_refused_post_is_logged(web: Flask) -> None:
    people = People(web)
    journey = web.test_client().post(
        "/api/v1/journeys", json={"patient_ref": PATIENT}, headers=people.headers("coordinator")
    ).get_json()["id"]
    client = web.test_client()
    people.login(client, "clinician")
    form = open_form(client, journey, "VitalsRecorded")
    before = logged(web)
    refused = post_event(client, journey, form, phase="pre", systolic="abc", diastolic="95", heart_rate="70")
    assert refused.status_code == 422 and PATIENT.encode() in refused.get_data()
    assert logged(web) == before + 1
    (entry,) = access_log_for(web.extensions["careplan"]).search(limit=1).entries
    assert entry.action == "POST /journeys/{journey_id}/events/new" and entry.status == 422


def test_reading_the_access_log_is_itself_logged(web: Flask) -> None:
    people = People(web)
    client = web.test_client()
    people.login(client, "auditor")
    before = logged(web)
    assert client.get("/audit/access/?user=someone").status_code == 200
    (entry,) = access_log_for(web.extensions["careplan"]).search(limit=1).entries
    assert logged(web) == before + 1 and entry.action == "GET /audit/access/" and entry.user_id == "auditor"
