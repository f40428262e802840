"""The chair's codes through the JSON API: each a 422 with its code and a sentence, nothing written.

Also the vitals alert coming back in the same answer, the stopped infusion and the discharge, and a
journey awaiting discharge on the blocked worklist (the dashboard).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.examples import VALID_DATA
from tests.web.conftest import People
from tests.web.test_api_contract import Api, error_of

PRE = {"phase": "pre", "systolic": 124, "diastolic": 80, "heart_rate": 72, "spo2": 98}
POST = {**PRE, "phase": "post"}
INFUSION = VALID_DATA["InfusionCompleted"]
DISCHARGE = VALID_DATA["DischargeAssessed"]
BASELINE = {"instrument": "PHQ9", "total": 18, "items": [2, 2, 2, 2, 2, 2, 3, 3, 0], "context": "baseline"}


@pytest.fixture
def api(client: FlaskClient, people: People) -> Api:
    return Api(client, people)


def ready(api: Api, clock: Clock) -> str:
    journey_id = api.open()
    api.record(journey_id, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"])
    clock.advance(days=1)
    api.record(journey_id, "MedicationReviewed", VALID_DATA["MedicationReviewed"])
    api.record(journey_id, "ContraindicationScreened", {"findings": []})
    api.record(journey_id, "AssessmentRecorded", BASELINE)
    clock.advance(days=1)
    return journey_id


def refused(api: Api, journey_id: str, event_type: str, data: dict[str, Any], code: str, **extra: Any) -> str:
    count = len(api.get(f"/journeys/{journey_id}/events").get_json())
    response = api.post(f"/journeys/{journey_id}/events", {"type": event_type, "data": data, **extra})
    body = error_of(response, 422)
    assert body["code"] == code, body
    assert body["message"].endswith(".") and len(body["message"]) > 20
    assert len(api.get(f"/journeys/{journey_id}/events").get_json()) == count
    return str(body["message"])


@pytest.mark.parametrize(
    "changes, code",
    [({"dose_mg_per_kg": 0.76}, "dose_out_of_range"), ({"duration_min": 39}, "infusion_too_fast")],
)
def test_a_dose_or_rate_outside_the_protocol_is_422(api: Api, clock: Clock, changes: dict[str, Any], code: str) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE)
    refused(api, journey_id, "InfusionCompleted", {**INFUSION, **changes}, code)


def test_stale_pre_vitals_are_422_vitals_stale(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE)
    clock.advance(hours=3, minutes=1)
    assert "older than 3 h" in refused(api, journey_id, "InfusionCompleted", INFUSION, "vitals_stale")


def test_a_pre_infusion_heart_rate_of_148_is_422_vitals_out_of_range(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", {**PRE, "heart_rate": 148, "spo2": 86})
    message = refused(api, journey_id, "InfusionCompleted", INFUSION, "vitals_out_of_range")
    assert "heart rate 148" in message and "SpO2 86" in message


def test_a_deviation_does_not_lift_a_chair_rule(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE)
    body = {"type": "InfusionCompleted", "data": {**INFUSION, "dose_mg_per_kg": 2.0}, "deviation": "Doctor's order"}
    response = api.post(f"/journeys/{journey_id}/events", body)
    # 2.0 mg/kg is within the schema's plausibility limits (0.05..2.0): the protocol's rule refuses it.
    assert error_of(response, 422)["code"] == "dose_out_of_range"


def test_during_vitals_at_the_threshold_return_the_alert_in_the_same_answer(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE)
    body = api.record(journey_id, "VitalsRecorded", {**PRE, "phase": "during", "systolic": 180, "diastolic": 110})
    assert [e["type"] for e in body["recorded"]] == ["VitalsRecorded", "SafetyAlertRaised"]
    assert body["recorded"][1]["data"]["kind"] == "vitals"
    state = api.get(f"/journeys/{journey_id}").get_json()
    assert [a["kind"] for a in state["alerts"]] == ["vitals"]


def test_a_stopped_infusion_then_discharge_and_the_codes_on_the_way(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE)
    stop = {"phase": "induction", "minutes_given": 20, "cause": "hypertension"}
    refused_reason = error_of(
        api.post(f"/journeys/{journey_id}/events", {"type": "InfusionStopped", "data": stop}), 422
    )
    assert "reason" in refused_reason["errors"]
    bad = error_of(
        api.post(
            f"/journeys/{journey_id}/events",
            {"type": "InfusionStopped", "data": {**stop, "cause": "bored"}, "reason": "x"},
        ),
        422,
    )
    assert "cause" in bad["errors"]["data"]
    api.record(journey_id, "InfusionStopped", stop, reason="BP 196/118 during the infusion")
    state = api.get(f"/journeys/{journey_id}").get_json()
    flags = [f["kind"] for f in state["steps"]["induction"]["flags"]]
    assert "discharge_pending" in flags
    clock.advance(minutes=40)
    assert "post-infusion vitals" in refused(api, journey_id, "DischargeAssessed", DISCHARGE, "discharge_not_safe")
    api.record(journey_id, "VitalsRecorded", POST)
    refused(api, journey_id, "DischargeAssessed", {**DISCHARGE, "observation_min": 29}, "discharge_not_safe")
    refused(api, journey_id, "DischargeAssessed", {**DISCHARGE, "escort_present": False}, "discharge_not_safe")
    api.record(journey_id, "DischargeAssessed", DISCHARGE)
    refused(api, journey_id, "DischargeAssessed", DISCHARGE, "nothing_to_discharge")


def test_a_stop_without_recent_pre_vitals_is_422_vitals_stale_even_with_a_deviation(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE)
    clock.advance(hours=3, minutes=21)  # the stop started 20 minutes before it: 3 h 1 min after the vitals
    stop = {"phase": "induction", "minutes_given": 20, "cause": "nausea"}
    reason = "Nauseous after 20 min"
    assert "older than 3 h" in refused(api, journey_id, "InfusionStopped", stop, "vitals_stale", reason=reason)
    refused(api, journey_id, "InfusionStopped", stop, "vitals_stale", reason=reason, deviation="Busy clinic")
    api.record(journey_id, "VitalsRecorded", PRE)
    api.record(journey_id, "InfusionStopped", stop, reason=reason)


def test_the_next_infusion_before_discharge_is_422_discharge_pending_and_on_the_blocked_worklist(
    api: Api, clock: Clock
) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE)
    api.record(journey_id, "InfusionCompleted", INFUSION)
    blocked = api.get("/worklists?name=blocked").get_json()["worklists"]["blocked"]
    assert [item["id"] for item in blocked["items"]] == [journey_id]
    assert "discharge" in blocked["items"][0]["note"]
    clock.advance(hours=48)
    api.record(journey_id, "VitalsRecorded", PRE)
    refused(api, journey_id, "InfusionCompleted", INFUSION, "discharge_pending")


def test_a_coordinator_may_not_record_a_discharge(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    response = api.post(
        f"/journeys/{journey_id}/events", {"type": "DischargeAssessed", "data": DISCHARGE}, role="coordinator"
    )
    assert response.status_code == 403
