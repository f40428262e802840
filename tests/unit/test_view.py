"""What the coordinator reads off a journey: step statuses, due dates, flags, outcome and next actions.

All of it is derived from the events, the protocol and the clock, so these tests move the clock and
check that a step turns overdue, blocked or on hold for the reason the protocol gives.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from careplan.domain.values import Actor
from careplan.domain.view import JourneyView
from tests.unit.journeys import START, Journey, default_protocol, with_settings

DAY = timedelta(days=1)
AFTER_CONSULTATION = (
    "medication_review",
    "contraindication_screening",
    "lab_screening",
    "baseline_assessment",
    "complementary_care",
)


def statuses(view: JourneyView) -> dict[str, str]:
    return {name: step.status for name, step in view.steps.items()}


def flags(view: JourneyView, step: str, kind: str) -> list[str]:
    return [f.reason for f in view.steps[step].flags if f.kind == kind]


@pytest.fixture
def j() -> Journey:
    return Journey()


# -- a journey from opening to maintenance ------------------------------------------------------------


def test_a_new_journey_waits_on_the_consultation_due_within_7_days(j: Journey) -> None:
    view = j.view()
    assert view.status == "active"
    assert view.steps["consultation"].status == "ready"
    assert view.steps["consultation"].due_at == START + 7 * DAY
    assert {s for n, s in statuses(view).items() if n != "consultation"} == {"requested"}
    assert [(a.step, a.due_at) for a in view.next_actions] == [("consultation", START + 7 * DAY)]


def test_the_consultation_turns_overdue_only_once_its_due_time_has_passed(j: Journey) -> None:
    assert not j.view(START + 7 * DAY).steps["consultation"].has_flag("overdue")
    overdue = flags(j.view(START + 7 * DAY + timedelta(seconds=1)), "consultation", "overdue")
    assert overdue == ["Was due 2026-03-09 09:00 UTC."]  # an instant, saying its zone


def test_after_the_consultation_its_followers_are_ready_with_their_due_dates(j: Journey) -> None:
    j.advance(days=2)
    j.consult()
    view = j.view()
    consulted = START + 2 * DAY
    assert view.steps["consultation"].status == "completed" and view.steps["consultation"].due_at is None
    assert all(view.steps[name].status == "ready" for name in AFTER_CONSULTATION)
    assert view.steps["medication_review"].due_at == consulted + 7 * DAY
    assert view.steps["contraindication_screening"].due_at == consulted + 7 * DAY
    assert view.steps["lab_screening"].due_at == consulted + 14 * DAY
    assert view.steps["induction"].status == "requested"
    assert view.steps["induction"].flags == []  # waiting on steps is not being blocked
    assert view.steps["response_check"].status == "requested"
    assert view.steps["maintenance"].status == "requested"
    assert flags(j.view(consulted + 14 * DAY + timedelta(seconds=1)), "lab_screening", "overdue")


def test_a_whole_journey_moves_each_step_from_requested_to_completed(j: Journey) -> None:
    j.ready_for_induction()
    view = j.view()
    assert view.steps["baseline_assessment"].status == "completed"
    assert view.steps["induction"].status == "ready" and view.steps["induction"].flags == []
    j.give_infusion()
    view = j.view()
    assert view.steps["induction"].status == "in-progress"
    assert (view.induction_done, view.induction_target) == (1, 6)
    j.advance(hours=48)
    j.induction(5)
    view = j.view()
    assert view.steps["induction"].status == "completed"
    assert view.steps["response_check"].status == "ready"
    j.advance(days=1)
    j.phq9(8, context="response_check")
    j.review_response("maintenance")
    view = j.view()
    assert view.steps["response_check"].status == "completed"
    assert view.steps["maintenance"].status == "in-progress"
    assert view.steps["induction"].status == "completed"


def test_lab_screening_is_in_progress_once_ordered_and_completed_with_every_panel(j: Journey) -> None:
    j.consult()
    j.order("thyroid")
    assert j.view().steps["lab_screening"].status == "in-progress"
    j.order("hormone")
    for panel in ("thyroid", "hormone"):
        j.result(panel)
    j.order("diabetes")
    assert j.view().steps["lab_screening"].status == "in-progress"
    j.result("diabetes")
    assert j.view().steps["lab_screening"].status == "completed"
    assert j.view().steps["lab_screening"].due_at is None


def test_an_abnormal_lab_raises_a_follow_up_and_does_not_block_induction(j: Journey) -> None:
    j.ready_for_induction()
    j.order("diabetes")
    j.result("diabetes", abnormal=True)
    view = j.view()
    assert flags(view, "lab_screening", "follow_up") == ["Diabetes panel abnormal: follow up."]
    assert view.steps["induction"].status == "ready"
    j.give_infusion()


# -- induction due dates and flags ---------------------------------------------------------------------


def test_the_baseline_falls_due_at_the_first_scheduled_infusion(j: Journey) -> None:
    j.consult()
    appointment = START + 5 * DAY
    j.schedule(appointment)
    view = j.view()
    assert view.steps["baseline_assessment"].due_at == appointment
    assert view.steps["induction"].due_at == appointment


def test_a_stale_baseline_is_flagged_and_blocks_induction(j: Journey) -> None:
    j.ready_for_induction()
    later = j.now + 7 * DAY
    view = j.view(later)
    assert view.steps["baseline_assessment"].status == "ready"
    assert flags(view, "baseline_assessment", "stale")
    assert flags(view, "induction", "blocked") == ["The baseline PHQ-9 is more than 7 days old: repeat it."]
    assert view.steps["induction"].status == "requested"


def test_the_next_induction_infusion_is_due_within_7_days_of_the_previous(j: Journey) -> None:
    j.ready_for_induction()
    j.give_infusion()
    ended = j.last("InfusionCompleted").occurred_at
    assert j.view().steps["induction"].due_at == ended + 7 * DAY
    j.advance(days=3)
    j.give_infusion()
    ended = j.last("InfusionCompleted").occurred_at
    assert j.view().steps["induction"].due_at == ended + 7 * DAY
    assert flags(j.view(ended + 7 * DAY + timedelta(seconds=1)), "induction", "overdue")


def test_the_next_induction_due_date_is_capped_by_the_21_day_window(j: Journey) -> None:
    j.ready_for_induction()
    first = j.now
    j.induction(4, every_hours=24 * 6)  # days 0, 6, 12, 18
    assert j.view().steps["induction"].due_at == first + 21 * DAY


def test_an_incomplete_series_past_its_window_is_overdue_and_the_response_check_is_ready(j: Journey) -> None:
    j.ready_for_induction()
    first = j.now
    j.induction(4, every_hours=24 * 5)
    view = j.view(first + 21 * DAY + timedelta(seconds=1))
    assert view.steps["induction"].status == "in-progress"
    assert flags(view, "induction", "overdue") == [f"Induction window closed on {first + 21 * DAY:%Y-%m-%d %H:%M} UTC: review the response."]
    assert view.steps["response_check"].status == "ready"


def test_a_maintenance_decision_on_an_incomplete_series_completes_the_induction_step(j: Journey) -> None:
    j.ready_for_induction()
    j.induction(4, every_hours=24 * 5)
    j.advance(days=7)
    j.phq9(6, context="response_check")
    j.review_response("maintenance")
    view = j.view()
    assert view.steps["induction"].status == "completed"
    assert view.steps["induction"].flags == []
    assert view.steps["maintenance"].status == "in-progress"


def test_a_pending_taper_blocks_induction_and_keeps_the_medication_review_open(j: Journey) -> None:
    j.consult()
    j.review_medications(taper=True, benzo_mg=20)
    j.screen()
    j.phq9(20)
    view = j.view()
    assert view.steps["medication_review"].status == "in-progress"
    assert flags(view, "medication_review", "taper")
    assert flags(view, "medication_review", "benzodiazepine") == [
        "Diazepam-equivalent 20 mg/day is above 8: may blunt ketamine."
    ]
    assert view.steps["induction"].status == "requested"
    assert flags(view, "induction", "blocked") == ["A benzodiazepine taper is pending: review medication again."]


@pytest.mark.parametrize("mg, flagged", [(8, False), (8.5, True)])
def test_benzodiazepine_use_is_flagged_above_8_mg_diazepam_equivalent(j: Journey, mg: float, flagged: bool) -> None:
    j.consult()
    j.review_medications(benzo_mg=mg)
    assert j.view().steps["medication_review"].has_flag("benzodiazepine") is flagged
    assert j.view().steps["medication_review"].status == "completed"


def test_an_open_contraindication_blocks_induction_until_overridden(j: Journey) -> None:
    j.consult()
    j.review_medications()
    j.screen("pregnancy_or_breastfeeding")
    j.phq9(20)
    view = j.view()
    assert flags(view, "contraindication_screening", "contraindication") == ["Pregnancy or breastfeeding found."]
    assert flags(view, "induction", "blocked") == ["Contraindications not overridden: pregnancy or breastfeeding."]
    j.override("pregnancy_or_breastfeeding", reason="Test negative, not breastfeeding")
    assert flags(j.view(), "induction", "blocked") != []  # absolute: a second clinician must confirm
    j.override("pregnancy_or_breastfeeding", reason="Test negative, not breastfeeding", actor=Actor("dr-two", "clinician"))
    view = j.view()
    assert view.steps["induction"].status == "ready" and view.steps["induction"].flags == []
    assert flags(view, "contraindication_screening", "override") == [
        "Pregnancy or breastfeeding overridden: Test negative, not breastfeeding"
    ]


def test_a_blood_pressure_hold_puts_the_induction_on_hold(j: Journey) -> None:
    j.ready_for_induction()
    j.vitals(150, 92)
    view = j.view()
    assert view.steps["induction"].status == "on-hold"
    assert flags(view, "induction", "hold") == ["Pre-infusion BP 150/92 at or above 140/90."]
    assert [a.action for a in view.next_actions if a.step == "induction"] == ["Resolve the blood-pressure hold"]
    j.override_hold()
    assert j.view().steps["induction"].status == "ready"


# -- response check, maintenance, complementary care ------------------------------------------------


def test_the_response_check_is_due_7_days_after_the_sixth_infusion(j: Journey) -> None:
    j.ready_for_induction().induction()
    last = j.last("InfusionCompleted").occurred_at
    view = j.view()
    assert view.steps["response_check"].due_at == last + 7 * DAY
    assert not j.view(last + 7 * DAY).steps["response_check"].has_flag("overdue")
    assert j.view(last + 7 * DAY + timedelta(seconds=1)).steps["response_check"].has_flag("overdue")


def test_maintenance_is_due_one_interval_after_the_last_infusion_and_overdue_after_7_days_grace(j: Journey) -> None:
    j.into_maintenance()
    last_infusion = j.record_of().last_infusion().occurred_at
    due = last_infusion + timedelta(weeks=4)
    assert j.view().steps["maintenance"].due_at == due
    assert not j.view(due + 7 * DAY).steps["maintenance"].has_flag("overdue")
    assert j.view(due + 7 * DAY + timedelta(seconds=1)).steps["maintenance"].has_flag("overdue")
    j.interval(6)
    assert j.view().steps["maintenance"].due_at == last_infusion + timedelta(weeks=6)
    j.advance(weeks=5)
    j.give_infusion("maintenance")
    view = j.view()
    assert view.steps["maintenance"].due_at == j.last("InfusionCompleted").occurred_at + timedelta(weeks=6)
    assert view.maintenance_done == 1


@pytest.mark.parametrize("total, relapse", [(9, False), (10, True), (14, True)])
def test_a_phq9_of_10_or_more_in_maintenance_flags_a_relapse(j: Journey, total: int, relapse: bool) -> None:
    j.into_maintenance()
    j.advance(days=20)
    j.phq9(total, context="maintenance")
    assert j.view().steps["maintenance"].has_flag("relapse") is relapse


def test_the_phq9_before_the_maintenance_decision_is_no_relapse(j: Journey) -> None:
    j.into_maintenance(response_phq9=12)
    assert not j.view().steps["maintenance"].has_flag("relapse")


def test_a_discontinue_decision_cancels_maintenance_and_asks_to_close_the_journey(j: Journey) -> None:
    j.ready_for_induction().induction()
    j.advance(days=2)
    j.phq9(19, context="response_check")
    j.review_response("discontinue")
    view = j.view()
    assert view.steps["response_check"].status == "completed"
    assert view.steps["maintenance"].status == "cancelled"
    assert view.next_actions[-1].action == "Close the journey"


def test_an_extended_induction_reopens_induction_and_the_response_check(j: Journey) -> None:
    j.ready_for_induction().induction()
    j.advance(days=1)
    j.phq9(15, context="response_check")
    j.review_response("extend_induction")
    view = j.view()
    assert (view.steps["induction"].status, view.induction_done, view.induction_target) == ("in-progress", 6, 9)
    assert view.steps["response_check"].status == "requested"
    # A day after the sixth, the spacing refuses the seventh: that is what the first action names.
    assert [a.action for a in view.next_actions if a.step == "induction"] == ["Infusions must start at least 48 h apart."]
    assert view.next_actions[0].blocked_by == "spacing_too_short"
    j.advance(days=1)
    assert induction_actions(j) == ["Give induction infusion 7 of 9 (pre-infusion vitals first)"]
    j.advance(days=1)
    j.induction(3)
    view = j.view()
    assert view.steps["induction"].status == "completed"
    assert view.steps["response_check"].status == "ready"
    assert view.steps["response_check"].due_at == j.last("InfusionCompleted").occurred_at + 7 * DAY


def test_complementary_care_check_ins_fall_due_every_14_days_once_induction_started(j: Journey) -> None:
    j.ready_for_induction()
    assert j.view().steps["complementary_care"].due_at is None
    j.give_infusion()
    first = j.last("InfusionCompleted").occurred_at
    assert j.view().steps["complementary_care"].due_at == first + 14 * DAY
    j.advance(days=3)
    j.guidance("exercise")
    assert j.view().steps["complementary_care"].status == "in-progress"
    j.advance(days=10)
    j.check_in("exercise")
    assert j.view().steps["complementary_care"].due_at == j.now + 14 * DAY


# -- outcome ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "baseline, latest, classification, change",
    [
        (20, 4, "remission", -80.0),
        (6, 4, "remission", -33.3),
        (20, 5, "response", -75.0),
        (20, 10, "response", -50.0),
        (20, 11, "partial", -45.0),
        (20, 15, "partial", -25.0),
        (20, 16, "non-response", -20.0),
        (20, 22, "non-response", 10.0),
        (24, 13, "partial", -45.8),
    ],
)
def test_the_outcome_is_classified_at_each_boundary(
    j: Journey, baseline: int, latest: int, classification: str, change: float
) -> None:
    j.ready_for_induction(baseline=baseline)
    j.give_infusion()
    j.advance(days=1)
    j.phq9(latest, context="infusion")
    outcome = j.view().outcome
    assert (outcome.phq9_baseline, outcome.phq9_latest) == (baseline, latest)
    assert outcome.change_pct == change
    assert outcome.classification == classification


def test_no_outcome_is_classified_before_a_phq9_after_the_first_infusion(j: Journey) -> None:
    j.ready_for_induction(baseline=18)
    outcome = j.view().outcome
    assert (outcome.phq9_baseline, outcome.phq9_latest, outcome.classification) == (18, None, None)
    j.give_infusion()
    assert j.view().outcome.classification is None


def test_the_outcome_reads_the_latest_phq9(j: Journey) -> None:
    j.ready_for_induction(baseline=20)
    j.induction(2)
    j.phq9(9, context="infusion")
    j.advance(days=2)
    j.phq9(15, context="infusion")
    assert j.view().outcome.classification == "partial"


# -- next actions, pause, close, ineligible --------------------------------------------------------


def test_next_actions_list_what_can_be_done_now_soonest_due_first(j: Journey) -> None:
    j.consult()
    actions = j.view().next_actions
    assert actions[0].step in ("medication_review", "contraindication_screening")
    due = [a.due_at for a in actions if a.due_at is not None]
    assert due == sorted(due)
    assert {a.step for a in actions} == set(AFTER_CONSULTATION)
    assert [a.step for a in actions if a.due_at is None] == ["baseline_assessment", "complementary_care"]


def test_the_next_induction_action_asks_for_vitals_until_they_are_taken(j: Journey) -> None:
    j.ready_for_induction()
    action = next(a for a in j.view().next_actions if a.step == "induction")
    assert action.action == "Give induction infusion 1 of 6 (pre-infusion vitals first)"
    j.vitals()
    action = next(a for a in j.view().next_actions if a.step == "induction")
    assert action.action == "Give induction infusion 1 of 6"


def induction_actions(j: Journey) -> list[str]:
    return [a.action for a in j.view().next_actions if a.step == "induction"]


def test_while_an_infusion_awaits_discharge_the_next_action_is_the_discharge(j: Journey) -> None:
    j.ready_for_induction()
    j.vitals()
    j.infuse()
    view = j.view()
    assert view.next_actions[0].action == "Assess discharge after induction infusion 1 of 6"
    assert induction_actions(j) == ["Assess discharge after induction infusion 1 of 6"]
    assert view.steps["induction"].status == "in-progress"
    j.recover()
    # Discharged: the 24 h floor from the infusion's end now blocks the next, due when it lifts.
    first = j.view().next_actions[0]
    assert (first.step, first.blocked_by) == ("induction", "administration_too_soon")
    assert first.action == "The next infusion may start 24 h after the last administration ended"
    assert first.due_at == j.last("InfusionCompleted").occurred_at + timedelta(hours=48, minutes=-40)
    j.advance(hours=48)
    assert induction_actions(j) == ["Give induction infusion 2 of 6 (pre-infusion vitals first)"]


def test_a_first_infusion_stopped_early_leaves_induction_in_progress_until_discharged(j: Journey) -> None:
    j.ready_for_induction()
    j.vitals()
    j.stop("nausea", minutes=15)
    view = j.view()
    assert view.steps["induction"].status == "in-progress"
    assert induction_actions(j) == ["Assess discharge after the induction infusion stopped early"]
    j.recover()
    assert j.view().steps["induction"].status == "ready"
    assert j.view().next_actions[0].blocked_by == "administration_too_soon"  # ketamine was given
    j.advance(hours=48)
    assert induction_actions(j) == ["Give induction infusion 1 of 6 (pre-infusion vitals first)"]


def test_the_sixth_infusions_discharge_comes_before_the_response_check(j: Journey) -> None:
    j.ready_for_induction()
    j.induction(5)
    j.advance(hours=48)
    j.vitals()
    j.infuse()
    assert j.view().steps["induction"].status == "completed"
    assert j.view().next_actions[0].action == "Assess discharge after induction infusion 6 of 6"


@pytest.mark.parametrize("risk", [None, "high"])
def test_while_a_safety_alert_is_open_the_next_action_is_to_work_it(j: Journey, risk: str | None) -> None:
    j.ready_for_induction()
    j.phq9(14, item9=1, context="other")
    alert = j.last("SafetyAlertRaised").version
    if risk:
        j.acknowledge(alert, risk=risk)
    view = j.view()
    assert view.steps["induction"].status == "requested"
    assert view.steps["induction"].has_flag("safety_alert")
    expected = "Reassess the high-risk safety alert" if risk else "Acknowledge the self-harm safety alert"
    assert induction_actions(j) == [expected]
    j.acknowledge(alert, risk="moderate")
    assert j.view().steps["induction"].status == "ready"
    assert induction_actions(j) == ["Give induction infusion 1 of 6 (pre-infusion vitals first)"]


def test_mid_series_an_open_alert_keeps_induction_in_progress_with_the_alert_first(j: Journey) -> None:
    j.ready_for_induction()
    j.give_infusion()
    j.advance(hours=30)
    j.phq9(10, item9=2, context="infusion")
    view = j.view()
    assert view.steps["induction"].status == "in-progress"
    assert view.next_actions[0].action == "Acknowledge the self-harm safety alert"


def test_an_alert_raised_in_the_chair_leaves_the_visit_in_progress_and_asks_for_the_alert(j: Journey) -> None:
    j.ready_for_induction()
    j.vitals()
    j.vitals(186, 112, phase="during")
    view = j.view()
    assert view.steps["induction"].status == "in-progress"
    assert induction_actions(j) == ["Acknowledge the vitals safety alert"]
    j.stop("hypertension", minutes=20)  # the engine allows the stop the alert was raised for
    assert induction_actions(j) == ["Assess discharge after the induction infusion stopped early"]


def test_a_paused_journey_puts_open_steps_on_hold_and_flags_nothing_overdue(j: Journey) -> None:
    j.consult()
    j.pause("Patient in hospital")
    view = j.view(START + 60 * DAY)
    assert view.status == "paused"
    assert view.steps["consultation"].status == "completed"
    assert {s.status for n, s in view.steps.items() if n != "consultation"} == {"on-hold"}
    assert flags(view, "medication_review", "paused") == ["Journey paused: Patient in hospital"]
    assert not any(s.has_flag("overdue") for s in view.steps.values())
    assert [a.action for a in view.next_actions] == ["Resume the journey when the pause ends"]
    j.resume()
    assert j.view().steps["medication_review"].status == "ready"


def test_closing_as_completed_completes_steps_in_progress_and_cancels_the_rest(j: Journey) -> None:
    j.into_maintenance()
    j.close("completed", reason="Moved to community care")
    view = j.view()
    assert view.status == "closed"
    assert view.steps["maintenance"].status == "completed"
    assert view.steps["lab_screening"].status == "cancelled"
    assert view.steps["induction"].status == "completed"
    assert all(s.due_at is None for s in view.steps.values())
    assert view.next_actions == []


def test_closing_as_discontinued_cancels_every_open_step(j: Journey) -> None:
    j.into_maintenance()
    j.close("discontinued", reason="Patient withdrew")
    view = j.view()
    assert view.steps["maintenance"].status == "cancelled"
    assert view.steps["consultation"].status == "completed"


def test_an_ineligible_patient_has_the_later_steps_cancelled(j: Journey) -> None:
    j.consult(eligible=False)
    view = j.view()
    assert view.steps["consultation"].status == "completed"
    assert {s for n, s in statuses(view).items() if n != "consultation"} == {"cancelled"}
    assert [a.action for a in view.next_actions] == ["Close the journey"]


# -- alerts and corrections in the view ----------------------------------------------------------------


def test_the_view_lists_alerts_and_their_acknowledgement(j: Journey) -> None:
    j.phq9(7, item9=1, context="other")
    alert = j.history[-1]
    view = j.view()
    assert [(a.version, a.kind, a.acknowledged) for a in view.alerts] == [(alert.version, "self_harm", False)]
    assert "item 9" in view.alerts[0].reason
    j.acknowledge(alert.version)
    assert j.view().open_alerts == []


def test_a_corrected_consultation_returns_its_followers_to_requested(j: Journey) -> None:
    consultation = j.consult()
    j.enter_in_error(consultation)
    assert statuses(j.view()) == statuses(Journey().view())


def test_the_view_reads_the_thresholds_of_the_journeys_protocol() -> None:
    protocol = with_settings(default_protocol(), maintenance={"grace_days": 0, "relapse_phq9_at_least": 15})
    j = Journey(protocol).into_maintenance()
    due = j.view().steps["maintenance"].due_at
    assert isinstance(due, datetime)
    assert j.view(due + timedelta(seconds=1)).steps["maintenance"].has_flag("overdue")
    j.phq9(14, context="maintenance")
    assert not j.view().steps["maintenance"].has_flag("relapse")
