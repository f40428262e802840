"""The role matrix: every API endpoint and every recordable event type, for every role and for no one.

Expected answers come from the role rules as the clinic states them (written out here, not read
from ``web.auth.permissions``), so a change to the table that breaks a rule breaks a test.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from careplan.domain.vocabulary import CLINICIAN_EVENTS, REASON_REQUIRED
from tests.conftest import Clock
from tests.examples import VALID_DATA
from tests.web.conftest import ROLES, People, make_web_app

ANONYMOUS = None
WHO = (*ROLES, ANONYMOUS)
COORDINATOR_KINDS = {"InfusionScheduled", "InfusionCancelled", "JourneyPaused", "JourneyResumed", "JourneyClosed", "NoteAdded"}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, People]]:
    """One app and one account per role for the whole matrix; each case opens its own journey."""
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    app = make_web_app(tmp_path_factory.mktemp("matrix"), clock)
    people = People(app)
    for role in ROLES:
        people.add(role)
    yield app, people
    app.extensions["careplan"].close()


REFS = itertools.count(1)


def call(shared: tuple[Flask, People], role: str | None, method: str, path: str, body: Any = None) -> int:
    app, people = shared
    client: FlaskClient = app.test_client()
    headers = people.headers(role) if role else {}
    # a reference of its own each time: a reference has one open journey at a time
    ref = f"MRN-M{next(REFS)}"
    journey = client.post("/api/v1/journeys", json={"patient_ref": ref}, headers=people.headers("coordinator"))
    path = path.replace("{id}", journey.get_json()["id"])
    return client.open(path, method=method, json=body, headers=headers).status_code


READS = ("/api/v1/journeys", "/api/v1/journeys/{id}", "/api/v1/journeys/{id}/events", "/api/v1/event-types", "/api/v1/worklists")


@pytest.mark.parametrize("role", WHO)
@pytest.mark.parametrize("path", READS)
def test_every_role_reads_every_list_and_journey_and_no_one_reads_without_a_token(shared, role, path) -> None:
    assert call(shared, role, "GET", path) == (401 if role is ANONYMOUS else 200)


@pytest.mark.parametrize("role", WHO)
def test_only_coordinators_open_journeys(shared, role) -> None:
    expected = {"coordinator": 201, ANONYMOUS: 401}.get(role, 403)
    assert call(shared, role, "POST", "/api/v1/journeys", {"patient_ref": f"MRN-P{next(REFS)}"}) == expected


def submission(event_type: str) -> dict[str, Any]:
    body: dict[str, Any] = {"type": event_type, "data": VALID_DATA[event_type]}
    if event_type in REASON_REQUIRED:
        body["reason"] = "Recorded for the role matrix."
    return body


def may_record(role: str | None, event_type: str) -> bool:
    if role == "clinician":
        return True
    if role == "coordinator":
        return event_type in COORDINATOR_KINDS or event_type == "EventEnteredInError"
    return False


@pytest.mark.parametrize("role", WHO)
@pytest.mark.parametrize("event_type", CLINICIAN_EVENTS)
def test_each_role_records_exactly_its_own_kinds_of_event(shared, role, event_type) -> None:
    status = call(shared, role, "POST", "/api/v1/journeys/{id}/events", submission(event_type))
    if role is ANONYMOUS:
        assert status == 401
    elif may_record(role, event_type):
        assert status in (201, 422)  # allowed; the protocol's rules may still refuse it on a fresh journey
    else:
        assert status == 403


@pytest.mark.parametrize("role", ("auditor", "admin"))
def test_roles_that_write_nothing_are_refused_even_a_malformed_body(shared, role) -> None:
    app, people = shared
    response = app.test_client().post(
        "/api/v1/journeys/00000000-0000-0000-0000-000000000000/events",
        data="{not json",
        content_type="application/json",
        headers=people.headers(role),
    )
    assert response.status_code == 403


def test_a_coordinator_corrects_a_coordinators_kind_of_event_but_not_a_clinical_one(shared) -> None:
    app, people = shared
    client = app.test_client()
    coordinator, clinician = people.headers("coordinator"), people.headers("clinician")
    jid = client.post("/api/v1/journeys", json={"patient_ref": "MRN-3"}, headers=coordinator).get_json()["id"]
    events = f"/api/v1/journeys/{jid}/events"
    assert client.post(events, json=submission("NoteAdded"), headers=coordinator).status_code == 201
    assert client.post(events, json=submission("ConsultationCompleted"), headers=clinician).status_code == 201
    wrong = {"type": "EventEnteredInError", "reason": "Wrong patient.", "data": {"target_version": 3}}
    assert client.post(events, json=wrong, headers=coordinator).status_code == 403
    assert client.post(events, json={**wrong, "data": {"target_version": 2}}, headers=coordinator).status_code == 201
    assert client.post(events, json=wrong, headers=clinician).status_code == 201


def test_only_clinicians_acknowledge_safety_alerts(shared) -> None:
    app, people = shared
    client = app.test_client()
    coordinator, clinician = people.headers("coordinator"), people.headers("clinician")
    jid = client.post("/api/v1/journeys", json={"patient_ref": "MRN-4"}, headers=coordinator).get_json()["id"]
    events = f"/api/v1/journeys/{jid}/events"
    client.post(events, json=submission("ConsultationCompleted"), headers=clinician)
    phq9 = {"instrument": "PHQ9", "total": 19, "items": [2, 2, 2, 2, 2, 2, 2, 2, 3], "context": "baseline"}
    recorded = client.post(events, json={"type": "AssessmentRecorded", "data": phq9}, headers=clinician).get_json()
    alert = recorded["recorded"][-1]
    assert alert["type"] == "SafetyAlertRaised"
    ack = {"type": "SafetyAlertAcknowledged", "reason": "Called the patient; safe.", "data": {"alert_version": alert["version"], "risk_assessment": "low", "plan": "Crisis line given."}}
    assert client.post(events, json=ack, headers=coordinator).status_code == 403
    assert client.post(events, json=ack, headers=clinician).status_code == 201


PAGES = {
    "/journeys/new": {"coordinator"},
    "/journeys/{id}": {"coordinator", "clinician", "auditor", "admin"},
    "/journeys/{id}/events/new": {"coordinator", "clinician"},
    "/people": {"admin"},
}


@pytest.mark.parametrize("role", WHO)
@pytest.mark.parametrize("path", PAGES)
def test_pages_follow_the_same_role_rules_and_send_the_signed_out_to_sign_in(shared, role, path) -> None:
    app, people = shared
    client = app.test_client()
    if role is not ANONYMOUS:
        people.login(client, role)
    jid = client.post("/api/v1/journeys", json={"patient_ref": f"MRN-Q{next(REFS)}"}, headers=people.headers("coordinator"))
    response = client.get(path.replace("{id}", jid.get_json()["id"]))
    if role is ANONYMOUS:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    else:
        assert response.status_code == (200 if role in PAGES[path] else 403)
