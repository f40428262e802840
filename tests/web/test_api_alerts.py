"""The API codes of issue 10's safety work: open alerts, high risk, two clinicians, one open journey."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from careplan.domain.values import Actor
from tests.conftest import Clock
from tests.examples import VALID_DATA
from tests.web.conftest import PASSWORD, People
from tests.web.test_api_contract import Api, error_of

SELF_HARM = {"instrument": "PHQ9", "total": 10, "items": [1, 1, 1, 1, 1, 1, 1, 1, 2], "context": "other"}


@pytest.fixture
def api(client: FlaskClient, people: People) -> Api:
    return Api(client, people)


def ready(api: Api, clock: Clock, *findings: str) -> str:
    journey_id = api.open()
    api.record(journey_id, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"])
    clock.advance(days=1)
    api.record(journey_id, "MedicationReviewed", VALID_DATA["MedicationReviewed"])
    api.record(journey_id, "ContraindicationScreened", {"findings": list(findings)})
    api.record(journey_id, "AssessmentRecorded", {**VALID_DATA["AssessmentRecorded"], "items": [2, 2, 2, 2, 2, 2, 3, 3, 0]})
    clock.advance(days=1)
    return journey_id


def infuse(api: Api, journey_id: str) -> Any:
    api.record(journey_id, "VitalsRecorded", {"phase": "pre", "systolic": 120, "diastolic": 80, "heart_rate": 70})
    return api.post(f"/journeys/{journey_id}/events", {"type": "InfusionCompleted", "data": VALID_DATA["InfusionCompleted"]})


def acknowledge(api: Api, journey_id: str, alert: int, risk: str) -> Any:
    data = {"alert_version": alert, "risk_assessment": risk, "plan": "Safety plan; crisis line given."}
    return api.record(journey_id, "SafetyAlertAcknowledged", data, reason="Spoke with the patient.")


def alerted(api: Api, clock: Clock) -> tuple[str, int]:
    journey_id = ready(api, clock)
    body = api.record(journey_id, "AssessmentRecorded", SELF_HARM)
    clock.advance(hours=1)  # the next infusion starts after the alert was raised
    return journey_id, body["recorded"][1]["version"]


def test_an_assessment_without_items_is_422_on_items(api: Api) -> None:
    journey_id = api.open()
    data = {"instrument": "MADRS", "total": 20, "context": "other"}
    body = error_of(api.post(f"/journeys/{journey_id}/events", {"type": "AssessmentRecorded", "data": data}), 422)
    assert "items" in body["errors"]["data"]


def test_an_open_safety_alert_refuses_the_infusion(api: Api, clock: Clock) -> None:
    journey_id, _ = alerted(api, clock)
    body = error_of(infuse(api, journey_id), 422)
    assert body["code"] == "open_safety_alert" and "acknowledged" in body["message"]


def test_a_high_risk_acknowledgement_refuses_the_infusion_until_reassessed(api: Api, clock: Clock) -> None:
    journey_id, alert = alerted(api, clock)
    acknowledge(api, journey_id, alert, "high")
    clock.advance(hours=1)  # an acknowledgement counts for an infusion that starts after it
    assert error_of(infuse(api, journey_id), 422)["code"] == "high_risk_pending"
    acknowledge(api, journey_id, alert, "moderate")
    clock.advance(hours=1)
    assert infuse(api, journey_id).status_code == 201


def test_an_acknowledgement_without_a_risk_assessment_is_422(api: Api, clock: Clock) -> None:
    journey_id, alert = alerted(api, clock)
    body = {"type": "SafetyAlertAcknowledged", "data": {"alert_version": alert, "plan": "x"}, "reason": "seen"}
    errors = error_of(api.post(f"/journeys/{journey_id}/events", body), 422)["errors"]
    assert "risk_assessment" in errors["data"]


def test_an_absolute_contraindication_needs_a_second_clinician(api: Api, people: People, clock: Clock) -> None:
    journey_id = ready(api, clock, "psychotic_disorder")
    override = {"type": "ContraindicationOverridden", "data": {"finding": "psychotic_disorder"}, "reason": "Psychiatry: remote history"}
    assert api.post(f"/journeys/{journey_id}/events", override).status_code == 201
    body = error_of(api.post(f"/journeys/{journey_id}/events", override), 422)
    assert body["code"] == "second_clinician_required"
    assert error_of(infuse(api, journey_id), 422)["code"] == "contraindicated"
    second = people.users().add("clinician2", "clinician", password=PASSWORD, actor=Actor("tests", "admin"))
    answer = api.client.post(
        f"/api/v1/journeys/{journey_id}/events", json=override, headers={"Authorization": f"Bearer {second.token}"}
    )
    assert answer.status_code == 201, answer.get_json()
    clock.advance(hours=1)  # the infusion starts after the second clinician cleared the finding
    assert infuse(api, journey_id).status_code == 201


def test_an_unknown_finding_is_422_unknown_finding(api: Api, clock: Clock) -> None:
    journey_id = api.open()
    api.record(journey_id, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"])
    response = api.post(f"/journeys/{journey_id}/events", {"type": "ContraindicationScreened", "data": {"findings": ["gout"]}})
    assert error_of(response, 422)["code"] == "unknown_finding"


def test_a_second_open_journey_is_409_journey_exists_with_its_id(api: Api) -> None:
    first = api.open("MRN-555")
    response = api.post("/journeys", {"patient_ref": "MRN-555"}, role="coordinator")
    body = error_of(response, 409)
    assert body["code"] == "journey_exists" and body["journey_id"] == first
    assert "MRN-555" not in body["message"]


def test_a_closed_journey_frees_the_reference_for_a_linked_course(api: Api) -> None:
    first = api.open("MRN-556")
    closing = {"type": "JourneyClosed", "data": {"outcome": "completed"}, "reason": "Course finished"}
    assert api.post(f"/journeys/{first}/events", closing).status_code == 201
    second = api.open("MRN-556", previous_journey_id=first)
    page_client = api.client
    api.people.login(page_client, "auditor")
    page = page_client.get(f"/journeys/{second}").get_data(as_text=True)
    assert 'id="previous-course"' in page and first in page
    assert 'id="next-course"' in page_client.get(f"/journeys/{first}").get_data(as_text=True)


def test_undoing_a_close_while_a_later_course_is_open_is_409_journey_exists(api: Api) -> None:
    first = api.open("MRN-557")
    closing = {"type": "JourneyClosed", "data": {"outcome": "completed"}, "reason": "Course finished"}
    closed = api.post(f"/journeys/{first}/events", closing)
    assert closed.status_code == 201
    second = api.open("MRN-557")
    undo = {"type": "EventEnteredInError", "data": {"target_version": closed.get_json()["version"]}, "reason": "Wrong journey"}
    body = error_of(api.post(f"/journeys/{first}/events", undo), 409)
    assert body["code"] == "journey_exists" and body["journey_id"] == second


def test_the_open_journey_page_says_the_journey_exists_with_a_link(api: Api, client: FlaskClient, people: People) -> None:
    first = api.open("MRN-557")
    people.login(client, "coordinator")
    page = client.get("/journeys/new").get_data(as_text=True)
    import re

    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    from tests.web.conftest import csrf

    answer = client.post("/journeys/new", data={"csrf_token": csrf(client), "nonce": nonce, "patient_ref": "MRN-557", "protocol": "ketamine-trd"})
    assert answer.status_code == 409
    text = answer.get_data(as_text=True)
    assert 'id="journey-exists"' in text and f"/journeys/{first}" in text
