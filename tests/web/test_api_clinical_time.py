"""Each code of clinical time (DESIGN 7.1) through the JSON API, on SQLite and on PostgreSQL: a 422 with
its code and a sentence, nothing written; and the issue's reproductions (issue 19) that are rules of
an event against the times of the events it rests on.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from careplan.domain.values import Actor
from tests.conftest import Clock
from tests.examples import VALID_DATA
from tests.web.conftest import PASSWORD, People
from tests.web.test_api_contract import Api, error_of

PRE = {"phase": "pre", "systolic": 124, "diastolic": 80, "heart_rate": 72, "spo2": 98}
POST = {**PRE, "phase": "post"}
INFUSION = {**VALID_DATA["InfusionCompleted"], "duration_min": 40}
DISCHARGE = {**VALID_DATA["DischargeAssessed"], "observation_min": 40}
BASELINE = {"instrument": "PHQ9", "total": 18, "items": [2, 2, 2, 2, 2, 2, 3, 3, 0], "context": "baseline"}
SELF_HARM = {"instrument": "PHQ9", "total": 10, "items": [1, 1, 1, 1, 1, 1, 1, 1, 2], "context": "other"}


@pytest.fixture
def api(web: Flask) -> Api:
    return Api(web.test_client(), People(web))


def at(clock: Clock, **delta: float) -> str:
    """A clinical time relative to the clock, as the API takes it (ISO 8601 with an offset)."""
    return (clock() + timedelta(**delta)).isoformat()


def ready(api: Api, clock: Clock, *findings: str) -> str:
    journey_id = api.open()
    api.record(journey_id, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"])
    clock.advance(days=1)
    api.record(journey_id, "MedicationReviewed", VALID_DATA["MedicationReviewed"])
    api.record(journey_id, "ContraindicationScreened", {"findings": list(findings)})
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


def given(api: Api, clock: Clock, journey_id: str) -> int:
    """Pre-vitals at the start, a 40-minute infusion recorded at its end, 40 min of observation, post
    vitals and the discharge; returns the infusion's version."""
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, minutes=-40))
    version = int(api.record(journey_id, "InfusionCompleted", INFUSION)["version"])
    clock.advance(minutes=40)
    api.record(journey_id, "VitalsRecorded", POST)
    api.record(journey_id, "DischargeAssessed", DISCHARGE)
    return version


def second_clinician(api: Api) -> dict[str, str]:
    second = api.people.users().add("clinician2", "clinician", password=PASSWORD, actor=Actor("tests", "admin"))
    return {"Authorization": f"Bearer {second.token}"}


# -- infusion times and pre-infusion vitals ------------------------------------------------------------


def test_pre_vitals_after_the_infusion_started_are_422_vitals_missing(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, minutes=-39))
    assert "started" in refused(api, journey_id, "InfusionCompleted", INFUSION, "vitals_missing")


def test_pre_vitals_old_at_the_start_are_422_vitals_stale(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, hours=-3, minutes=-41))
    assert "older than 3 h" in refused(api, journey_id, "InfusionCompleted", INFUSION, "vitals_stale")


def test_a_late_normal_reading_dated_earlier_does_not_lift_the_hold(api: Api, clock: Clock) -> None:
    """Issue 19: 200/120 at 14:00, a normal reading charted late as 13:00, the infusion at 14:45."""
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", {**PRE, "systolic": 170, "diastolic": 105}, occurred_at=at(clock, minutes=-45))
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, minutes=-105))
    refused(api, journey_id, "InfusionCompleted", INFUSION, "blood_pressure_hold")


@pytest.mark.parametrize("reading", [{"heart_rate": 150}, {"spo2": 85}])
def test_a_late_normal_reading_does_not_hide_a_pulse_of_150_or_a_saturation_of_85(
    api: Api, clock: Clock, reading: dict[str, int]
) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", {**PRE, **reading}, occurred_at=at(clock, minutes=-45))
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, minutes=-105))
    refused(api, journey_id, "InfusionCompleted", INFUSION, "vitals_out_of_range")


# -- before_subject -------------------------------------------------------------------------------------


def test_a_discharge_dated_30_minutes_before_the_infusion_ended_is_422_before_subject(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, minutes=-40))
    api.record(journey_id, "InfusionCompleted", INFUSION)
    clock.advance(minutes=40)
    api.record(journey_id, "VitalsRecorded", POST)
    refused(api, journey_id, "DischargeAssessed", DISCHARGE, "before_subject", occurred_at=at(clock, minutes=-70))


def test_an_acknowledgement_dated_before_its_alert_is_422_before_subject(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    alert = api.record(journey_id, "AssessmentRecorded", SELF_HARM)["recorded"][1]["version"]
    clock.advance(hours=1)
    ack = {"alert_version": alert, "risk_assessment": "low", "plan": "Safety plan; crisis line given."}
    refused(api, journey_id, "SafetyAlertAcknowledged", ack, "before_subject", reason="Seen", occurred_at=at(clock, hours=-2))


def test_an_override_dated_before_its_finding_is_422_before_subject(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock, "liver_failure")
    override = {"finding": "liver_failure"}
    refused(api, journey_id, "ContraindicationOverridden", override, "before_subject", reason="Hepatology", occurred_at=at(clock, days=-2))


def test_a_hold_override_dated_before_the_reading_is_422_before_subject(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", {**PRE, "systolic": 150, "diastolic": 95}, occurred_at=at(clock, minutes=-40))
    hold = {"hold": "blood_pressure"}
    refused(api, journey_id, "HoldOverridden", hold, "before_subject", reason="Repeat fine", occurred_at=at(clock, minutes=-50))


def test_without_a_subject_the_older_codes_stay(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    refused(api, journey_id, "DischargeAssessed", DISCHARGE, "nothing_to_discharge")
    refused(api, journey_id, "HoldOverridden", {"hold": "blood_pressure"}, "no_active_hold", reason="x")
    refused(api, journey_id, "ContraindicationOverridden", {"finding": "liver_failure"}, "no_such_finding", reason="x")


# -- observation is measured ------------------------------------------------------------------------


def test_a_discharge_29_minutes_after_the_end_is_422_discharge_not_safe(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, minutes=-40))
    api.record(journey_id, "InfusionCompleted", INFUSION)
    clock.advance(minutes=29)
    api.record(journey_id, "VitalsRecorded", POST)
    message = refused(api, journey_id, "DischargeAssessed", {**DISCHARGE, "observation_min": 30}, "discharge_not_safe")
    assert "29 min" in message
    clock.advance(minutes=1)
    api.record(journey_id, "DischargeAssessed", {**DISCHARGE, "observation_min": 30})


def test_an_observation_longer_than_the_time_since_the_end_is_422_discharge_not_safe(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, minutes=-40))
    api.record(journey_id, "InfusionCompleted", INFUSION)
    clock.advance(minutes=35)
    api.record(journey_id, "VitalsRecorded", POST)
    refused(api, journey_id, "DischargeAssessed", {**DISCHARGE, "observation_min": 40}, "discharge_not_safe")


def test_a_late_normal_post_reading_does_not_send_home_a_patient_at_186_over_112(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, minutes=-40))
    api.record(journey_id, "InfusionCompleted", INFUSION)
    clock.advance(minutes=40)
    api.record(journey_id, "VitalsRecorded", {**POST, "systolic": 186, "diastolic": 112}, occurred_at=at(clock, minutes=-5))
    api.record(journey_id, "VitalsRecorded", POST, occurred_at=at(clock, minutes=-20))
    assert "186/112" in refused(api, journey_id, "DischargeAssessed", DISCHARGE, "discharge_not_safe")


# -- two clinicians on every path --------------------------------------------------------------------


def test_one_clinician_re_screening_clear_leaves_an_absolute_finding_open(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock, "pregnancy_or_breastfeeding")
    api.record(journey_id, "ContraindicationScreened", {"findings": []})
    state = api.get(f"/journeys/{journey_id}").get_json()
    kinds = [f["kind"] for f in state["steps"]["contraindication_screening"]["flags"]]
    assert "second_clinician_required" in kinds
    clock.advance(minutes=40)
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, minutes=-40))
    refused(api, journey_id, "InfusionCompleted", INFUSION, "contraindicated")
    answer = api.client.post(
        f"/api/v1/journeys/{journey_id}/events",
        json={"type": "ContraindicationScreened", "data": {"findings": []}, "occurred_at": at(clock, minutes=-41)},
        headers=second_clinician(api),
    )
    assert answer.status_code == 201, answer.get_json()
    api.record(journey_id, "InfusionCompleted", INFUSION)


def test_one_clinician_correcting_the_screening_leaves_an_absolute_finding_open(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock, "psychotic_disorder")
    events = api.get(f"/journeys/{journey_id}/events").get_json()
    screening = next(e["version"] for e in events if e["type"] == "ContraindicationScreened")
    api.record(journey_id, "EventEnteredInError", {"target_version": screening}, reason="Wrong patient")
    api.record(journey_id, "ContraindicationScreened", {"findings": []})  # the same clinician: still one
    clock.advance(minutes=40)
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, minutes=-40))
    refused(api, journey_id, "InfusionCompleted", INFUSION, "contraindicated")
    override = {"type": "ContraindicationOverridden", "data": {"finding": "psychotic_disorder"}, "reason": "Psychiatry"}
    assert error_of(api.post(f"/journeys/{journey_id}/events", override), 422)["code"] == "second_clinician_required"


def test_old_overrides_do_not_carry_over_to_a_new_psychotic_episode(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock, "psychotic_disorder")
    override = {"type": "ContraindicationOverridden", "data": {"finding": "psychotic_disorder"}, "reason": "Remote history"}
    assert api.post(f"/journeys/{journey_id}/events", override).status_code == 201
    answer = api.client.post(f"/api/v1/journeys/{journey_id}/events", json=override, headers=second_clinician(api))
    assert answer.status_code == 201, answer.get_json()
    clock.advance(hours=1)
    api.record(journey_id, "ContraindicationScreened", {"findings": ["psychotic_disorder"]})
    clock.advance(minutes=40)
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, minutes=-40))
    refused(api, journey_id, "InfusionCompleted", INFUSION, "contraindicated")


# -- limits no one overrides ---------------------------------------------------------------------------


def test_overriding_a_220_over_125_reading_is_422_hold_not_overridable(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", {**PRE, "systolic": 220, "diastolic": 125}, occurred_at=at(clock, minutes=-40))
    refused(api, journey_id, "HoldOverridden", {"hold": "blood_pressure"}, "hold_not_overridable", reason="Anaesthetist")
    refused(api, journey_id, "InfusionCompleted", INFUSION, "blood_pressure_hold")


def test_two_infusions_95_minutes_apart_are_422_administration_too_soon_with_a_deviation(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    given(api, clock, journey_id)
    clock.advance(minutes=55)
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, minutes=-40))
    infusion = {**INFUSION, "dose_mg_per_kg": 0.75}
    refused(api, journey_id, "InfusionCompleted", infusion, "administration_too_soon", deviation="Top-up")


def test_a_third_course_of_induction_is_422_extensions_exhausted(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)

    def series(count: int) -> None:
        for i in range(count):
            if i:
                clock.advance(hours=48)
            given(api, clock, journey_id)
        clock.advance(days=1)
        api.record(journey_id, "AssessmentRecorded", {**BASELINE, "context": "response_check"})

    series(6)
    api.record(journey_id, "ResponseReviewed", {"decision": "extend_induction"})
    clock.advance(days=1)
    series(3)
    refused(api, journey_id, "ResponseReviewed", {"decision": "extend_induction"}, "extensions_exhausted")


# -- the stop that claims more minutes than it had -------------------------------------------------


def test_a_stop_claiming_240_minutes_before_an_alert_raised_10_minutes_earlier_is_refused(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, minutes=-15))
    api.record(journey_id, "AssessmentRecorded", SELF_HARM, occurred_at=at(clock, minutes=-10))
    stop = {"phase": "induction", "minutes_given": 240, "cause": "dissociation"}
    refused(api, journey_id, "InfusionStopped", stop, "vitals_missing", reason="Dissociated")
    refused(api, journey_id, "InfusionStopped", {**stop, "minutes_given": 5}, "open_safety_alert", reason="Dissociated")
