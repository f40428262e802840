"""Deviations through the API (DESIGN 6.3): a timing rule accepts a top-level ``deviation``; a safety
rule answers 422 with its own code, deviation or not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import Clock
from tests.examples import VALID_DATA
from tests.web.test_api_contract import Api, api, error_of  # noqa: F401  (the fixture)

PRE = {"phase": "pre", "systolic": 120, "diastolic": 80, "heart_rate": 70}
REASON = "Patient could only come Wednesday morning"


def first_infusion(api: Api, clock: Clock) -> str:  # noqa: F811
    journey_id = api.open()
    api.record(journey_id, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"])
    clock.advance(days=1)
    api.record(journey_id, "MedicationReviewed", VALID_DATA["MedicationReviewed"])
    api.record(journey_id, "ContraindicationScreened", {"findings": []})
    api.record(journey_id, "AssessmentRecorded", VALID_DATA["AssessmentRecorded"])
    clock.advance(days=1)
    api.record(journey_id, "VitalsRecorded", PRE)
    api.record(journey_id, "InfusionCompleted", VALID_DATA["InfusionCompleted"])
    clock.advance(minutes=45)  # watched, then discharged, as every infusion is
    api.record(journey_id, "VitalsRecorded", {**PRE, "phase": "post"})
    api.record(journey_id, "DischargeAssessed", VALID_DATA["DischargeAssessed"])
    clock.advance(hours=41)
    return journey_id


def infusion(api: Api, journey_id: str, **extra: Any) -> Any:  # noqa: F811
    body = {"type": "InfusionCompleted", "data": VALID_DATA["InfusionCompleted"], **extra}
    return api.post(f"/journeys/{journey_id}/events", body)


def test_spacing_too_short_is_422_and_deviable_with_a_reason(api: Api, clock: Clock) -> None:  # noqa: F811
    journey_id = first_infusion(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE)
    assert error_of(infusion(api, journey_id), 422)["code"] == "spacing_too_short"
    response = infusion(api, journey_id, deviation=REASON)
    assert response.status_code == 201, response.get_json()
    recorded = response.get_json()["recorded"][0]
    assert (recorded["deviation"], recorded["deviated"]) == (REASON, ["spacing_too_short"])
    listed = api.get(f"/journeys/{journey_id}/events").get_json()[-1]
    assert listed["deviation"] == REASON
    flags = api.get(f"/journeys/{journey_id}").get_json()["steps"]["induction"]["flags"]
    assert {"kind": "deviation", "reason": f"Spacing too short recorded as a deviation: {REASON}"} in flags
    worklist = api.get("/worklists?name=deviations").get_json()["worklists"]["deviations"]
    assert [i["id"] for i in worklist["items"]] == [journey_id]
    assert REASON in worklist["items"][0]["note"]


def test_a_safety_rule_is_422_with_its_own_code_even_with_a_deviation(api: Api, clock: Clock) -> None:  # noqa: F811
    journey_id = first_infusion(api, clock)
    api.record(journey_id, "VitalsRecorded", {**PRE, "systolic": 150, "diastolic": 95})
    body = error_of(infusion(api, journey_id, deviation=REASON), 422)
    assert body["code"] == "blood_pressure_hold"
    assert api.get("/worklists?name=deviations").get_json()["worklists"]["deviations"]["total"] == 0


def test_induction_window_exceeded_and_a_response_check_too_early_are_deviable(api: Api, clock: Clock) -> None:  # noqa: F811
    journey_id = first_infusion(api, clock)
    clock.advance(days=21)  # the second infusion 22 days after the first: past the 21-day window
    api.record(journey_id, "VitalsRecorded", PRE)
    assert error_of(infusion(api, journey_id), 422)["code"] == "induction_window_exceeded"
    response = infusion(api, journey_id, deviation="Off sick for three weeks; finishing the series late")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["recorded"][0]["deviated"] == ["induction_window_exceeded"]
    clock.advance(minutes=45)
    api.record(journey_id, "VitalsRecorded", {**PRE, "phase": "post"})
    api.record(journey_id, "DischargeAssessed", VALID_DATA["DischargeAssessed"])
    phq9 = {"instrument": "PHQ9", "total": 9, "items": [1, 1, 1, 1, 1, 1, 1, 2, 0], "context": "response_check"}
    api.record(journey_id, "AssessmentRecorded", phq9)
    review = {"type": "ResponseReviewed", "data": {"decision": "maintenance"}}
    assert error_of(api.post(f"/journeys/{journey_id}/events", review), 422)["code"] == "response_check_too_early"
    response = api.post(f"/journeys/{journey_id}/events", {**review, "deviation": "Moving abroad tomorrow"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["recorded"][0]["deviated"] == ["response_check_too_early"]
    flags = api.get(f"/journeys/{journey_id}").get_json()["steps"]
    assert any(f["kind"] == "deviation" for f in flags["induction"]["flags"])
    assert any(f["kind"] == "deviation" for f in flags["response_check"]["flags"])


def _alert_open(api: Api, journey_id: str, clock: Clock) -> None:  # noqa: F811
    clock.advance(hours=7)
    item9 = {"instrument": "PHQ9", "total": 12, "items": [2, 2, 2, 2, 1, 1, 1, 0, 1], "context": "infusion"}
    # raised before the infusion started (the one recorded now started 40 minutes ago)
    api.record(journey_id, "AssessmentRecorded", item9, occurred_at=(clock() - timedelta(hours=1)).isoformat())
    api.record(journey_id, "VitalsRecorded", PRE)


def _vitals_stale(api: Api, journey_id: str, clock: Clock) -> None:  # noqa: F811
    api.record(journey_id, "VitalsRecorded", PRE)
    clock.advance(hours=7)


def _discharge_pending(api: Api, journey_id: str, clock: Clock) -> None:  # noqa: F811
    clock.advance(hours=7)
    api.record(journey_id, "VitalsRecorded", PRE)
    api.record(journey_id, "InfusionCompleted", VALID_DATA["InfusionCompleted"])
    clock.advance(hours=48)
    api.record(journey_id, "VitalsRecorded", PRE)


def _contraindicated(api: Api, journey_id: str, clock: Clock) -> None:  # noqa: F811
    clock.advance(hours=7)
    api.record(journey_id, "ContraindicationScreened", {"findings": ["cardiovascular_disease"]})
    api.record(journey_id, "VitalsRecorded", PRE)


@pytest.mark.parametrize(
    "setup, code",
    [
        (_alert_open, "open_safety_alert"),
        (_vitals_stale, "vitals_stale"),
        (_discharge_pending, "discharge_pending"),
        (_contraindicated, "contraindicated"),
    ],
)
def test_a_deviation_never_lifts_a_safety_rule(api: Api, clock: Clock, setup: Any, code: str) -> None:  # noqa: F811
    journey_id = first_infusion(api, clock)
    setup(api, journey_id, clock)
    for extra in ({}, {"deviation": REASON}):
        body = error_of(infusion(api, journey_id, **extra), 422)
        assert body["code"] == code, body
    assert api.get(f"/journeys/{journey_id}/events").get_json()[-1]["type"] != "InfusionCompleted"


def test_a_deviation_that_is_not_text_is_422_on_the_field(api: Api, clock: Clock) -> None:  # noqa: F811
    journey_id = api.open()
    response = api.post(f"/journeys/{journey_id}/events", {"type": "NoteAdded", "data": {"text": "x"}, "deviation": 5})
    assert "deviation" in error_of(response, 422)["errors"]


def test_cancelling_an_appointment_that_is_not_open_is_422_no_such_appointment(api: Api, clock: Clock) -> None:  # noqa: F811
    journey_id = api.open()
    api.record(journey_id, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"])
    when = (clock.now + timedelta(days=2)).isoformat()
    booked = api.record(journey_id, "InfusionScheduled", {"phase": "induction", "scheduled_for": when})["version"]
    cancel = {
        "type": "InfusionCancelled",
        "reason": "Patient asked",
        "data": {"phase": "induction", "scheduled_version": 1},
    }
    body = error_of(api.post(f"/journeys/{journey_id}/events", cancel), 422)
    assert body["code"] == "no_such_appointment"
    cancel["data"]["scheduled_version"] = booked
    assert api.post(f"/journeys/{journey_id}/events", cancel).status_code == 201
    again = error_of(api.post(f"/journeys/{journey_id}/events", cancel), 422)
    assert again["code"] == "no_such_appointment"
