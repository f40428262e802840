"""The protocol's rules refuse what the clinic forbids, with a stable code, and a refusal records nothing.

Each test drives one PatientJourney with the packaged protocol (ketamine-trd v1) through the clinic's
verbs and checks one rule at its boundary: the last refused value and the first accepted one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from careplan.domain.errors import InvalidEvent, RuleViolation, UnknownEventType
from careplan.domain.journey import PatientJourney
from careplan.domain.vocabulary import REASON_REQUIRED
from tests.unit.journeys import CLINICIAN, INFUSION_MIN, START, Journey, default_protocol, phq9_items, with_settings


@pytest.fixture
def j() -> Journey:
    return Journey()


@pytest.fixture
def ready() -> Journey:
    """Consultation, medication review, clear screening and a baseline PHQ-9 done."""
    return Journey().ready_for_induction()


# -- time ---------------------------------------------------------------------------------------


def test_an_event_more_than_two_minutes_in_the_future_is_refused(j: Journey) -> None:
    j.refused("occurred_in_future", "NoteAdded", {"text": "x"}, at=j.now + timedelta(minutes=2, seconds=1))


def test_a_device_clock_up_to_two_minutes_ahead_is_accepted(j: Journey) -> None:
    j.note(at=j.now + timedelta(minutes=2))
    assert j.history[-1].occurred_at == j.now + timedelta(minutes=2)


def test_a_journey_cannot_be_opened_in_the_future() -> None:
    with pytest.raises(RuleViolation) as caught:
        PatientJourney.open("MRN-1", default_protocol(), START + timedelta(hours=1), CLINICIAN, START)
    assert caught.value.code == "occurred_in_future"


def test_an_event_before_the_journey_was_opened_is_refused(j: Journey) -> None:
    j.advance(days=1)
    j.refused("before_opened", "NoteAdded", {"text": "x"}, at=START - timedelta(seconds=1))
    j.note(at=START)


def test_a_backfilled_event_keeps_its_clinical_time_and_its_recording_time(j: Journey) -> None:
    j.advance(days=3)
    j.consult(at=START + timedelta(days=1))
    fact = j.last("ConsultationCompleted")
    assert fact.occurred_at == START + timedelta(days=1)
    assert fact.recorded_at == START + timedelta(days=3)


# -- reasons, closing, pausing, event types --------------------------------------------------------


R_EXAMPLES = {
    "ContraindicationOverridden": {"finding": "cardiovascular_disease"},
    "HoldOverridden": {"hold": "blood_pressure"},
    "InfusionHeld": {"phase": "induction"},
    "InfusionCancelled": {"phase": "induction"},
    "EventEnteredInError": {"target_version": 2},
    "JourneyPaused": {},
    "JourneyClosed": {"outcome": "other"},
    "SafetyAlertAcknowledged": {"alert_version": 2, "risk_assessment": "low", "plan": "Crisis line given."},
    "InfusionStopped": {"phase": "induction", "minutes_given": 20, "cause": "hypertension"},
}


def test_every_event_that_needs_a_reason_is_listed() -> None:
    assert set(R_EXAMPLES) == REASON_REQUIRED


@pytest.mark.parametrize("event_type", sorted(R_EXAMPLES))
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_event_marked_r_without_a_reason_is_refused(j: Journey, event_type: str, reason: str | None) -> None:
    j.consult()
    j.refused("reason_required", event_type, R_EXAMPLES[event_type], reason=reason)


def test_a_system_event_cannot_be_recorded_by_a_clinician(j: Journey) -> None:
    with pytest.raises(UnknownEventType):
        j.record("SafetyAlertRaised", {"kind": "self_harm", "reason": "x", "key": "k"})
    with pytest.raises(UnknownEventType):
        j.record("JourneyOpened", {})
    assert j.version == 1


CLOSED_REFUSES = {
    "ConsultationCompleted": {"eligible": True, "prior_antidepressant_trials": 2, "psychotherapy_tried": True},
    "AssessmentRecorded": {"instrument": "PHQ9", "total": 5, "items": phq9_items(5), "context": "other"},
    "VitalsRecorded": {"phase": "pre", "systolic": 120, "diastolic": 80, "heart_rate": 70},
    "JourneyPaused": {},
    "JourneyResumed": {},
    "JourneyClosed": {"outcome": "other"},
    "ComplementaryCareCheckIn": {"area": "sleep", "adherence": "full"},
}


@pytest.mark.parametrize("event_type", sorted(CLOSED_REFUSES))
def test_a_closed_journey_refuses_everything_but_notes_and_corrections(j: Journey, event_type: str) -> None:
    j.consult()
    j.close("discontinued")
    j.refused("journey_closed", event_type, CLOSED_REFUSES[event_type], reason="because")


def test_a_closed_journey_still_takes_notes_and_corrections(j: Journey) -> None:
    consultation = j.consult()
    j.close("other")
    j.note("Letter sent to the GP.")
    j.enter_in_error(consultation)
    assert j.record_of().consultation is None


def test_correcting_the_closing_event_reopens_the_journey(j: Journey) -> None:
    closing = j.close("transferred")
    j.enter_in_error(closing, reason="Closed the wrong journey")
    j.consult()
    assert j.view().status == "active"


def test_a_paused_journey_refuses_infusions_until_resumed(ready: Journey) -> None:
    ready.vitals()
    ready.pause()
    ready.refused("journey_paused", "InfusionCompleted", ready.infusion_data())
    ready.refused(
        "journey_paused", "InfusionScheduled", {"phase": "induction", "scheduled_for": ready.now.isoformat()}
    )
    ready.note("Paused notes are fine.")
    ready.resume()
    ready.infuse()
    assert ready.view().induction_done == 1


def test_a_journey_cannot_be_paused_twice_nor_resumed_unless_paused(j: Journey) -> None:
    j.refused("not_paused", "JourneyResumed", {})
    j.pause()
    j.refused("already_paused", "JourneyPaused", {}, reason="again")


# -- prerequisites ------------------------------------------------------------------------------


NEEDS_CONSULTATION = {
    "MedicationReviewed": {"medications": [], "benzodiazepine_diazepam_eq_mg": 0, "taper_required": False},
    "ContraindicationScreened": {"findings": []},
    "ScreeningOrdered": {"panel": "thyroid"},
    "InfusionScheduled": {"phase": "induction", "scheduled_for": START.isoformat()},
    "ComplementaryCareGuidanceGiven": {"area": "sleep", "guidance": "Regular wake time."},
    "ComplementaryCareCheckIn": {"area": "sleep", "adherence": "full"},
    "AssessmentRecorded": {"instrument": "PHQ9", "total": 20, "items": phq9_items(20), "context": "baseline"},
}


@pytest.mark.parametrize("event_type", sorted(NEEDS_CONSULTATION))
def test_steps_after_the_consultation_wait_for_it(j: Journey, event_type: str) -> None:
    j.refused("prerequisite_missing", event_type, NEEDS_CONSULTATION[event_type])
    j.consult()
    j.record(event_type, NEEDS_CONSULTATION[event_type])


def test_a_phq9_outside_the_baseline_may_be_taken_before_the_consultation(j: Journey) -> None:
    j.phq9(14, context="other")
    assert j.record_of().phq9()[0].total == 14


def test_a_lab_result_needs_its_panel_ordered_first(j: Journey) -> None:
    j.consult()
    j.refused("screening_not_ordered", "ScreeningResulted", {"panel": "thyroid", "abnormal": False, "values": {}})
    j.order("thyroid")
    j.result("thyroid")


def test_induction_waits_for_the_consultation(j: Journey) -> None:
    j.vitals()
    j.refused("prerequisite_missing", "InfusionCompleted", j.infusion_data())


def test_induction_is_refused_for_a_patient_found_not_eligible(j: Journey) -> None:
    j.consult(eligible=False)
    j.refused("not_eligible", "InfusionScheduled", {"phase": "induction", "scheduled_for": j.now.isoformat()})
    j.vitals()
    j.refused("not_eligible", "InfusionCompleted", j.infusion_data())


def test_induction_waits_for_the_medication_review(j: Journey) -> None:
    j.consult()
    j.screen()
    j.phq9(20)
    j.advance(hours=1)
    j.vitals()
    j.refused("prerequisite_missing", "InfusionCompleted", j.infusion_data())
    j.review_medications()
    j.infuse()


def test_a_pending_benzodiazepine_taper_blocks_induction_until_reviewed_again(j: Journey) -> None:
    j.consult()
    j.review_medications(taper=True, benzo_mg=15)
    j.screen()
    j.phq9(20)
    j.advance(hours=1)
    j.vitals()
    j.refused("taper_pending", "InfusionCompleted", j.infusion_data())
    j.review_medications(taper=False, benzo_mg=4)
    j.infuse()


def test_induction_waits_for_the_contraindication_screening(j: Journey) -> None:
    j.consult()
    j.review_medications()
    j.phq9(20)
    j.vitals()
    j.refused("prerequisite_missing", "InfusionCompleted", j.infusion_data())


def test_a_contraindication_blocks_induction_until_overridden_with_a_reason(j: Journey) -> None:
    j.consult()
    j.review_medications()
    j.screen("cardiovascular_disease", "substance_use_history")
    j.phq9(20)
    j.vitals()
    j.refused("contraindicated", "InfusionCompleted", j.infusion_data())
    j.override("cardiovascular_disease")
    j.refused("contraindicated", "InfusionCompleted", j.infusion_data())
    j.refused("reason_required", "ContraindicationOverridden", {"finding": "substance_use_history"}, reason=" ")
    j.override("substance_use_history", reason="Remote history, 10 years abstinent")
    j.refused("contraindicated", "InfusionCompleted", j.infusion_data())  # it started before the override
    j.advance(minutes=INFUSION_MIN)
    j.vitals()
    j.infuse()


def test_only_an_open_finding_of_the_latest_screening_can_be_overridden(j: Journey) -> None:
    j.consult()
    j.screen("liver_failure")
    j.refused("no_such_finding", "ContraindicationOverridden", {"finding": "psychotic_disorder"}, reason="r")
    j.override("liver_failure")
    j.refused("no_such_finding", "ContraindicationOverridden", {"finding": "liver_failure"}, reason="again")


def test_a_new_screening_with_the_same_finding_needs_a_new_override(j: Journey) -> None:
    """DESIGN 7.1: an override judges the screening before it; it does not carry over to a later one."""
    j.consult()
    j.screen("liver_failure")
    j.override("liver_failure")
    assert j.record_of().open_findings() == []
    j.screen("liver_failure")
    assert j.record_of().open_findings() == ["liver_failure"]
    j.override("liver_failure")
    j.screen()
    assert j.record_of().open_findings() == []


def test_induction_waits_for_a_baseline_phq9(j: Journey) -> None:
    j.consult()
    j.review_medications()
    j.screen()
    j.phq9(12, context="other")
    j.vitals()
    j.refused("baseline_missing", "InfusionCompleted", j.infusion_data())


def test_the_baseline_phq9_counts_for_seven_days_before_the_first_infusion(j: Journey) -> None:
    j.consult()
    j.review_medications()
    j.screen()
    j.phq9(20)
    j.advance(days=7, seconds=1)
    j.vitals()
    j.refused("baseline_stale", "InfusionCompleted", j.infusion_data())
    j.vitals(at=START + timedelta(days=7, minutes=-INFUSION_MIN))
    j.infuse(at=START + timedelta(days=7))


def test_an_infusion_backdated_before_the_baseline_phq9_is_refused(j: Journey) -> None:
    j.consult()
    j.review_medications()
    j.screen()
    j.advance(hours=2)
    j.phq9(20)
    j.vitals()
    j.refused("baseline_missing", "InfusionCompleted", j.infusion_data(), at=j.now - timedelta(hours=1))


# -- spacing and the induction window -----------------------------------------------------------


def test_induction_infusions_47_hours_apart_are_refused_and_48_hours_accepted(ready: Journey) -> None:
    ready.give_infusion()
    ready.advance(hours=47)
    ready.vitals()
    ready.refused("spacing_too_short", "InfusionCompleted", ready.infusion_data())
    ready.advance(hours=1)
    ready.infuse()
    assert ready.view().induction_done == 2


def test_a_backdated_infusion_too_close_to_a_later_one_is_refused(ready: Journey) -> None:
    ready.advance(days=3)
    ready.give_infusion()
    ready.vitals(at=ready.now - timedelta(hours=48))
    ready.refused("spacing_too_short", "InfusionCompleted", ready.infusion_data(), at=ready.now - timedelta(hours=47))


def test_spacing_is_a_setting_of_the_protocol() -> None:
    j = Journey(with_settings(default_protocol(), induction={"min_spacing_hours": 72})).ready_for_induction()
    j.give_infusion()
    j.advance(hours=71)
    j.vitals()
    j.refused("spacing_too_short", "InfusionCompleted", j.infusion_data())
    j.advance(hours=1)
    j.infuse()


def test_an_induction_infusion_after_day_21_of_the_series_is_refused(ready: Journey) -> None:
    first = ready.now
    ready.induction(4, every_hours=24 * 6)  # days 0, 6, 12, 18
    ready.advance(days=3, seconds=1)
    ready.vitals()
    ready.refused("induction_window_exceeded", "InfusionCompleted", ready.infusion_data())
    ready.vitals(at=first + timedelta(days=21, minutes=-INFUSION_MIN))
    ready.infuse(at=first + timedelta(days=21))


def test_a_backdated_infusion_that_stretches_the_series_beyond_21_days_is_refused() -> None:
    j = Journey()
    j.ready_for_induction()
    j.advance(days=6)
    j.phq9(20)
    j.give_infusion()  # series starts on day 8
    first = j.now
    j.advance(days=20)
    j.give_infusion()  # day 28: inside the window
    j.vitals(at=first - timedelta(days=2))
    j.refused("induction_window_exceeded", "InfusionCompleted", j.infusion_data(), at=first - timedelta(days=2))


def test_a_seventh_induction_infusion_is_refused(ready: Journey) -> None:
    ready.induction()
    ready.advance(hours=48)
    ready.vitals()
    ready.refused("induction_complete", "InfusionCompleted", ready.infusion_data())


# -- blood pressure, vitals, escort ---------------------------------------------------------------


def test_pre_infusion_blood_pressure_just_below_140_90_does_not_hold(ready: Journey) -> None:
    ready.vitals(139, 89)
    ready.infuse()


@pytest.mark.parametrize("systolic, diastolic", [(140, 80), (120, 90), (180, 110)])
def test_pre_infusion_blood_pressure_at_140_or_90_holds_the_infusion(ready: Journey, systolic: int, diastolic: int) -> None:
    ready.vitals(systolic, diastolic)
    error = ready.refused("blood_pressure_hold", "InfusionCompleted", ready.infusion_data())
    assert f"{systolic}/{diastolic}" in error.message


def test_new_pre_infusion_vitals_below_the_threshold_clear_the_hold(ready: Journey) -> None:
    ready.vitals(150, 95)
    ready.advance(minutes=20)
    ready.vitals(132, 84)
    ready.infuse()


def test_vitals_during_or_after_an_infusion_neither_hold_nor_count_as_pre_infusion(ready: Journey) -> None:
    ready.vitals(150, 95, phase="during")
    ready.refused("vitals_missing", "InfusionCompleted", ready.infusion_data())
    ready.vitals(120, 80)
    ready.vitals(160, 100, phase="post")
    ready.infuse()


def test_holding_the_infusion_clears_the_hold_and_the_next_one_needs_new_vitals(ready: Journey) -> None:
    ready.vitals(150, 95)
    ready.hold()
    assert ready.record_of().held == 1
    ready.refused("vitals_missing", "InfusionCompleted", ready.infusion_data())
    ready.advance(days=1)
    ready.vitals(128, 82)
    ready.infuse()


def test_a_hold_overridden_with_a_reason_lets_the_infusion_go_ahead(ready: Journey) -> None:
    ready.vitals(142, 88)
    ready.refused("reason_required", "HoldOverridden", {"hold": "blood_pressure"}, reason=None)
    ready.override_hold()
    ready.infuse()


def test_overriding_a_hold_that_does_not_exist_is_refused(ready: Journey) -> None:
    ready.refused("no_active_hold", "HoldOverridden", {"hold": "blood_pressure"}, reason="just in case")
    ready.vitals(120, 80)
    ready.refused("no_active_hold", "HoldOverridden", {"hold": "blood_pressure"}, reason="just in case")


def test_the_blood_pressure_threshold_is_a_setting_of_the_protocol() -> None:
    protocol = with_settings(default_protocol(), safety={"bp_hold_systolic": 150, "bp_hold_diastolic": 95})
    j = Journey(protocol).ready_for_induction()
    j.vitals(149, 94)
    j.infuse()
    j.recover()
    j.advance(hours=48)
    j.vitals(150, 80)
    j.refused("blood_pressure_hold", "InfusionCompleted", j.infusion_data())


def test_an_infusion_needs_pre_infusion_vitals(ready: Journey) -> None:
    ready.refused("vitals_missing", "InfusionCompleted", ready.infusion_data())


def test_each_infusion_needs_its_own_pre_infusion_vitals(ready: Journey) -> None:
    ready.give_infusion()
    ready.advance(hours=48)
    ready.refused("vitals_missing", "InfusionCompleted", ready.infusion_data())


def test_an_infusion_needs_a_confirmed_escort_home(ready: Journey) -> None:
    ready.vitals()
    ready.refused("escort_not_confirmed", "InfusionCompleted", ready.infusion_data(escort=False))
    data = ready.infusion_data()
    del data["escort_confirmed"]
    with pytest.raises(InvalidEvent) as missing:
        ready.record("InfusionCompleted", data)
    assert "escort_confirmed" in missing.value.errors


def test_cancelling_needs_a_scheduled_infusion(ready: Journey) -> None:
    ready.refused("nothing_scheduled", "InfusionCancelled", {"phase": "induction"}, reason="patient ill")
    ready.schedule(ready.now + timedelta(days=1))
    ready.record("InfusionCancelled", {"phase": "induction"}, reason="patient ill")
    assert ready.record_of().next_appointment("induction") is None


# -- the self-harm item ---------------------------------------------------------------------------


def test_phq9_item_9_above_zero_raises_a_safety_alert_in_the_same_command(j: Journey) -> None:
    before = j.version
    assessment = j.phq9(3, item9=1, context="other")
    assert [f.type for f in j.history[before:]] == ["AssessmentRecorded", "SafetyAlertRaised"]
    alert = j.history[-1]
    assert alert.version == assessment + 1
    assert alert.actor.role == "system"
    assert alert.data["kind"] == "self_harm" and alert.data["source_version"] == assessment
    assert [a.version for a in j.view().open_alerts] == [alert.version]


def test_phq9_item_9_at_zero_raises_no_alert_whatever_the_total(j: Journey) -> None:
    j.phq9(24, item9=0, context="other")
    assert j.history[-1].type == "AssessmentRecorded"
    assert j.view().alerts == []


def test_other_instruments_raise_no_self_harm_alert(j: Journey) -> None:
    j.record("AssessmentRecorded", {"instrument": "MADRS", "total": 30, "items": [3] * 10, "context": "other"})
    assert j.view().alerts == []


def test_the_item_9_threshold_is_a_setting_of_the_protocol() -> None:
    j = Journey(with_settings(default_protocol(), assessments={"phq9_item9_alert_above": 1}))
    j.phq9(5, item9=1, context="other")
    assert j.view().alerts == []
    j.phq9(5, item9=2, context="other")
    assert len(j.view().alerts) == 1


def test_an_alert_is_acknowledged_once_with_a_reason(j: Journey) -> None:
    j.phq9(6, item9=2, context="other")
    alert = j.history[-1].version
    worked = {"risk_assessment": "low", "plan": "Crisis line given."}
    j.refused("no_such_alert", "SafetyAlertAcknowledged", {"alert_version": alert - 1, **worked}, reason="seen")
    j.refused("reason_required", "SafetyAlertAcknowledged", {"alert_version": alert, **worked}, reason="")
    j.acknowledge(alert)
    assert j.view().open_alerts == [] and j.view().alerts[0].acknowledged
    j.refused("no_such_alert", "SafetyAlertAcknowledged", {"alert_version": alert, **worked}, reason="seen twice")


# -- corrections ------------------------------------------------------------------------------------


def test_a_correction_of_a_version_that_does_not_exist_is_refused(j: Journey) -> None:
    j.refused("no_such_version", "EventEnteredInError", {"target_version": 2}, reason="typo")
    with pytest.raises(InvalidEvent):
        j.record("EventEnteredInError", {"target_version": 0}, reason="typo")


def test_system_lifecycle_and_correction_events_cannot_be_marked_in_error(j: Journey) -> None:
    j.phq9(6, item9=1, context="other")
    alert = j.history[-1].version
    j.refused("not_correctable", "EventEnteredInError", {"target_version": alert}, reason="r")
    j.refused("not_correctable", "EventEnteredInError", {"target_version": 1}, reason="r")
    assert j.aggregate.record_system("StepOverdue", {"key": "overdue:x", "step": "consultation", "due_at": j.now.isoformat()}, occurred_at=j.now, now=j.now)
    j.refused("not_correctable", "EventEnteredInError", {"target_version": j.version}, reason="r")
    correction = j.enter_in_error(alert - 1)
    j.refused("not_correctable", "EventEnteredInError", {"target_version": correction}, reason="r")


def test_an_event_is_marked_in_error_only_once(j: Journey) -> None:
    note = j.note()
    j.enter_in_error(note)
    j.refused("already_in_error", "EventEnteredInError", {"target_version": note}, reason="again")


def test_a_correction_recomputes_the_state_as_if_the_event_had_not_happened_and_keeps_both(ready: Journey) -> None:
    ready.give_infusion()
    ready.advance(hours=48)
    ready.vitals()
    second = ready.infuse()
    ready.enter_in_error(second, reason="Recorded on the wrong journey")
    assert ready.view().induction_done == 1
    types = [f.type for f in ready.history]
    assert types.count("InfusionCompleted") == 2 and types[-1] == "EventEnteredInError"
    # The pre-infusion vitals stand, so the infusion can be recorded again right away.
    ready.infuse()
    assert ready.view().induction_done == 2


def test_correcting_the_phq9_that_raised_an_alert_leaves_the_alert_open_until_acknowledged(j: Journey) -> None:
    """DESIGN 7.1 changed this: no alert closes silently (it used to vanish with its PHQ-9)."""
    assessment = j.phq9(6, item9=3, context="other")
    j.enter_in_error(assessment, reason="Scores of another patient")
    [alert] = j.view().open_alerts
    assert alert.source_withdrawn
    assert [f.type for f in j.history][-3:] == ["AssessmentRecorded", "SafetyAlertRaised", "EventEnteredInError"]


def test_after_a_corrected_consultation_the_next_steps_wait_again(j: Journey) -> None:
    consultation = j.consult()
    j.enter_in_error(consultation)
    j.refused("prerequisite_missing", "MedicationReviewed", NEEDS_CONSULTATION["MedicationReviewed"])


# -- response review, maintenance, extension ----------------------------------------------------------


def test_the_response_is_reviewed_only_after_the_induction_series(ready: Journey) -> None:
    ready.induction(5)
    ready.advance(days=1)
    ready.phq9(9, context="response_check")
    ready.refused("induction_incomplete", "ResponseReviewed", {"decision": "maintenance"})


def test_the_response_review_waits_a_day_after_the_last_infusion_and_needs_a_later_phq9(ready: Journey) -> None:
    ready.induction()
    last = ready.now
    ready.advance(hours=12)
    ready.phq9(9, context="response_check")
    ready.refused("response_check_too_early", "ResponseReviewed", {"decision": "maintenance"})
    ready.advance(hours=12)
    assert ready.now == last + timedelta(days=1)
    ready.review_response("maintenance")


def test_the_response_review_needs_a_phq9_after_the_last_infusion(ready: Journey) -> None:
    ready.induction()
    ready.advance(days=2)
    ready.refused("response_phq9_missing", "ResponseReviewed", {"decision": "maintenance"})


def test_a_response_review_is_allowed_once_the_window_closed_on_an_incomplete_series(ready: Journey) -> None:
    ready.induction(4, every_hours=24 * 5)
    ready.advance(days=7)
    ready.phq9(15, context="response_check")
    ready.review_response("discontinue")
    ready.vitals()
    ready.refused("discontinued", "InfusionCompleted", ready.infusion_data())


def test_maintenance_infusions_wait_for_a_maintenance_decision(ready: Journey) -> None:
    ready.induction()
    ready.advance(days=7)
    ready.vitals()
    ready.refused("maintenance_not_started", "InfusionCompleted", ready.infusion_data("maintenance"))
    ready.refused(
        "maintenance_not_started", "InfusionScheduled", {"phase": "maintenance", "scheduled_for": ready.now.isoformat()}
    )
    ready.phq9(8, context="response_check")
    ready.review_response("maintenance")
    ready.schedule(ready.now + timedelta(days=21), phase="maintenance")
    ready.infuse("maintenance")
    assert ready.view().maintenance_done == 1


def test_a_maintenance_infusion_keeps_48_hours_from_the_last_induction_infusion(ready: Journey) -> None:
    ready.induction()
    ready.advance(days=1)
    ready.phq9(8, context="response_check")
    ready.review_response("maintenance")
    ready.vitals()
    ready.refused("spacing_too_short", "InfusionCompleted", ready.infusion_data("maintenance"))
    ready.advance(days=1)
    ready.vitals()
    ready.infuse("maintenance")


@pytest.mark.parametrize("weeks, accepted", [(0, False), (2, True), (12, True), (13, False)])
def test_the_maintenance_interval_is_2_to_12_weeks(j: Journey, weeks: int, accepted: bool) -> None:
    if accepted:
        j.interval(weeks)
        assert j.record_of().maintenance_weeks == weeks
    else:
        with pytest.raises(InvalidEvent):
            j.record("MaintenanceIntervalSet", {"weeks": weeks})
        assert j.version == 1


def test_a_weekly_interval_is_outside_version_1s_bounds_but_deviable(j: Journey) -> None:
    """Any protocol may allow 1 week (version 2 does, DESIGN 7.6); version 1's bounds still judge it."""
    j.refused("interval_out_of_range", "MaintenanceIntervalSet", {"weeks": 1})


@pytest.mark.parametrize("weeks, accepted", [(2, False), (3, True), (8, True), (9, False)])
def test_the_maintenance_interval_keeps_the_protocols_bounds(weeks: int, accepted: bool) -> None:
    protocol = default_protocol()
    narrow = replace(protocol, maintenance=replace(protocol.maintenance, min_interval_weeks=3, max_interval_weeks=8))
    j = Journey(narrow)
    if accepted:
        j.interval(weeks)
        assert j.record_of().maintenance_weeks == weeks
    else:
        j.refused("interval_out_of_range", "MaintenanceIntervalSet", {"weeks": weeks})


def test_an_extended_induction_allows_three_more_infusions(ready: Journey) -> None:
    ready.induction()
    ready.advance(days=1)
    ready.phq9(14, context="response_check")
    ready.review_response("extend_induction")
    ready.advance(days=2)
    ready.induction(3)
    assert ready.view().induction_done == 9
    ready.advance(hours=48)
    ready.vitals()
    ready.refused("induction_complete", "InfusionCompleted", ready.infusion_data())
    ready.advance(days=1)
    ready.phq9(10, context="response_check")
    ready.review_response("maintenance")


def test_an_extended_induction_has_a_window_of_its_own(ready: Journey) -> None:
    ready.induction()
    ready.advance(days=1)
    ready.phq9(14, context="response_check")
    ready.review_response("extend_induction")
    ready.advance(days=11)  # more than 21 days after the first infusion of the first series
    ready.give_infusion()
    ready.advance(days=21, seconds=1)
    ready.vitals()
    ready.refused("induction_window_exceeded", "InfusionCompleted", ready.infusion_data())


def test_an_infusion_cannot_be_backdated_into_a_series_already_reviewed() -> None:
    j = Journey().ready_for_induction()
    first = j.now
    j.induction(every_hours=96)  # days 0, 4, ... 20: room for a backdated infusion between them
    j.advance(days=1)
    j.phq9(14, context="response_check")
    j.review_response("extend_induction")
    j.vitals(at=first + timedelta(days=2))
    j.refused("before_response_review", "InfusionCompleted", j.infusion_data(), at=first + timedelta(days=2))


def test_a_maintenance_infusion_cannot_be_dated_before_the_maintenance_decision(ready: Journey) -> None:
    ready.induction()
    ready.advance(days=3)
    ready.phq9(8, context="response_check")
    ready.review_response("maintenance")
    ready.vitals(at=ready.now - timedelta(hours=1))
    ready.refused(
        "before_response_review", "InfusionCompleted", ready.infusion_data("maintenance"), at=ready.now - timedelta(hours=1)
    )


# -- the scheduler's events -------------------------------------------------------------------------


def test_a_system_event_is_recorded_once_per_key(j: Journey) -> None:
    data = {"key": "due:consultation:2026-03-09", "step": "consultation", "due_at": "2026-03-09T09:00:00+00:00"}
    assert j.aggregate.record_system("StepBecameDue", data, occurred_at=j.now, now=j.now)
    assert not j.aggregate.record_system("StepBecameDue", data, occurred_at=j.now, now=j.now)
    assert [f.type for f in j.history] == ["JourneyOpened", "StepBecameDue"]
    assert j.history[-1].actor.role == "system"


def test_the_scheduler_cannot_record_clinician_events(j: Journey) -> None:
    with pytest.raises(UnknownEventType):
        j.aggregate.record_system("NoteAdded", {"key": "k", "text": "x"}, occurred_at=j.now, now=j.now)


def test_a_journey_is_not_migrated_to_the_version_it_is_on(j: Journey) -> None:
    with pytest.raises(RuleViolation) as caught:
        j.aggregate.migrate(default_protocol(), actor=CLINICIAN, reason="same", now=j.now, resolve=j.resolve)
    assert caught.value.code == "migration_not_needed"
    assert j.version == 1
