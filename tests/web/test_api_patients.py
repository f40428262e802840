"""DESIGN 7.1's people rules through the JSON API, on SQLite and PostgreSQL: one patient however the
reference is typed, alerts that follow the patient into the next course, who may record what (the
domain's table, 403 ``forbidden``), and the pause rule for stops."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import Clock
from tests.examples import VALID_DATA
from tests.web.conftest import People, make_web_app
from tests.web.test_api_alerts import SELF_HARM, acknowledge, infuse, ready
from tests.web.test_api_contract import Api, error_of


@pytest.fixture
def web(tmp_path: Path, clock: Clock, store_url: str) -> Iterator[Flask]:
    store = {"CAREPLAN_DATABASE_URL": store_url, "CAREPLAN_INSTANCE": str(tmp_path / "instance"), "CAREPLAN_MODE": "demo"}
    flask_app = make_web_app(tmp_path, clock, CAREPLAN_ENV=store)
    yield flask_app
    instance = flask_app.extensions.get("careplan")
    if instance is not None:
        instance.close()


@pytest.fixture
def api(web: Flask) -> Api:
    return Api(web.test_client(), People(web))


def post_event(api: Api, journey_id: str, body: dict[str, Any], role: str = "clinician") -> Any:
    return api.post(f"/journeys/{journey_id}/events", body, role=role)


def test_mrn_5_then_mrn_5_typed_otherwise_is_409_journey_exists(api: Api) -> None:
    first = api.open("MRN-5")
    for typed in (" mrn-5", "Mrn-5"):
        body = error_of(api.post("/journeys", {"patient_ref": typed}, role="coordinator"), 409)
        assert body["code"] == "journey_exists" and body["journey_id"] == first
    opened = api.get(f"/journeys/{first}/events").get_json()[0]
    assert opened["data"]["patient_ref"] == "MRN-5"


def test_an_auditors_note_is_403_forbidden(api: Api) -> None:
    journey_id = api.open("MRN-40")
    body = error_of(post_event(api, journey_id, {"type": "NoteAdded", "data": {"text": "x"}}, role="auditor"), 403)
    assert body["code"] == "forbidden"


def test_a_coordinators_clinical_event_is_403_forbidden(api: Api) -> None:
    journey_id = api.open("MRN-41")
    consult = {"type": "ConsultationCompleted", "data": VALID_DATA["ConsultationCompleted"]}
    assert error_of(post_event(api, journey_id, consult, role="coordinator"), 403)["code"] == "forbidden"


def test_a_coordinator_voids_their_own_note_but_not_a_clinicians(api: Api) -> None:
    journey_id = api.open("MRN-42")
    clinicians = post_event(api, journey_id, {"type": "NoteAdded", "data": {"text": "Risks discussed"}}).get_json()["version"]
    own = post_event(api, journey_id, {"type": "NoteAdded", "data": {"text": "Rang the patient"}}, role="coordinator")
    own_version = own.get_json()["version"]

    def void(version: int) -> Any:
        body = {"type": "EventEnteredInError", "data": {"target_version": version}, "reason": "Wrong patient"}
        return post_event(api, journey_id, body, role="coordinator")

    assert error_of(void(clinicians), 403)["code"] == "forbidden"
    assert void(own_version).status_code == 201


def test_a_paused_journey_refuses_infusion_stopped(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", {"phase": "pre", "systolic": 120, "diastolic": 80, "heart_rate": 70})
    pause = {"type": "JourneyPaused", "data": {}, "reason": "Admitted elsewhere"}
    assert post_event(api, journey_id, pause, role="coordinator").status_code == 201
    stop = {"type": "InfusionStopped", "data": VALID_DATA["InfusionStopped"], "reason": "Hypertension"}
    assert error_of(post_event(api, journey_id, stop), 422)["code"] == "journey_paused"


def test_a_high_alert_of_a_closed_course_is_open_in_the_next_course(api: Api, clock: Clock) -> None:
    previous = ready(api, clock)
    alert = api.record(previous, "AssessmentRecorded", SELF_HARM)["recorded"][1]["version"]
    acknowledge(api, previous, alert, "high")
    closing = {"type": "JourneyClosed", "data": {"outcome": "transferred"}, "reason": "Moved clinic"}
    assert post_event(api, previous, closing, role="coordinator").status_code == 201
    clock.advance(days=20)
    opened = api.post("/journeys", {"patient_ref": "mrn-000123"}, role="coordinator")  # typed otherwise
    assert opened.status_code == 201 and opened.get_json()["version"] == 2
    nxt = str(opened.get_json()["id"])
    (carried,) = api.get(f"/journeys/{nxt}").get_json()["alerts"]
    assert carried["course"] == previous and carried["course_version"] == alert and not carried["acknowledged"]
    for step in ("ConsultationCompleted", "MedicationReviewed"):
        api.record(nxt, step, VALID_DATA[step])
    api.record(nxt, "ContraindicationScreened", {"findings": []})
    api.record(nxt, "AssessmentRecorded", {**VALID_DATA["AssessmentRecorded"], "items": [2, 2, 2, 2, 2, 2, 3, 3, 0]})
    clock.advance(days=1)
    assert error_of(infuse(api, nxt), 422)["code"] == "open_safety_alert"
    acknowledge(api, nxt, carried["version"], "moderate")
    clock.advance(hours=1)  # the infusion starts after the alert was worked (judged at its start)
    assert infuse(api, nxt).status_code == 201
