"""The rules of clinical time (DESIGN 7.1, 7.9): each judged from the events' own times, whatever order
they were typed in, at its boundary.

An infusion is recorded at its end and started ``duration_min`` (or ``minutes_given``) before; what it
needed is judged at that start. What settles comes after what it settles. Observation is measured.
Absolute findings need two clinicians on every path. Some limits no one overrides.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from careplan.domain.values import Actor
from tests.unit.journeys import INFUSION_MIN, OBSERVED_MIN, Journey

SECOND = Actor(id="dr-okafor", role="clinician")


@pytest.fixture
def ready() -> Journey:
    return Journey().ready_for_induction()


def stop_data(minutes: int, cause: str = "nausea") -> dict[str, object]:
    return {"phase": "induction", "minutes_given": minutes, "cause": cause}


# -- infusion times and the pre-infusion vitals ---------------------------------------------------


def test_pre_vitals_taken_after_the_infusion_started_are_no_basis_for_it(ready: Journey) -> None:
    """The issue's 82 infusions on 'pre-infusion' vitals taken after they had started."""
    ready.vitals(at=ready.now - timedelta(minutes=INFUSION_MIN - 1))
    failure = ready.refused("vitals_missing", "InfusionCompleted", ready.infusion_data())
    assert "started" in failure.message
    ready.vitals(at=ready.now - timedelta(minutes=INFUSION_MIN))  # at the start: before it
    ready.infuse()


def test_the_start_is_the_end_minus_the_duration(ready: Journey) -> None:
    ready.vitals(at=ready.now - timedelta(minutes=90))
    ready.refused("vitals_missing", "InfusionCompleted", {**ready.infusion_data(), "duration_min": 95})
    ready.record("InfusionCompleted", {**ready.infusion_data(), "duration_min": 90})
    assert ready.record_of().infusions[-1].start == ready.now - timedelta(minutes=90)


def test_a_stop_starts_minutes_given_before_it(ready: Journey) -> None:
    ready.vitals(at=ready.now - timedelta(minutes=30))
    ready.refused("vitals_missing", "InfusionStopped", stop_data(31), reason="Nauseous")
    ready.stop("nausea", minutes=30)
    assert ready.record_of().stopped[-1].start == ready.now - timedelta(minutes=30)


def test_staleness_is_measured_at_the_start_not_the_end(ready: Journey) -> None:
    ready.vitals(at=ready.now - timedelta(hours=3, minutes=INFUSION_MIN + 1))
    ready.refused("vitals_stale", "InfusionCompleted", ready.infusion_data())
    ready.vitals(at=ready.now - timedelta(hours=3, minutes=INFUSION_MIN))
    # the newer reading is the basis: exactly three hours old at the start
    ready.infuse()


def test_pre_vitals_of_the_previous_administration_do_not_count_for_the_next(ready: Journey) -> None:
    ready.give_infusion()
    ready.advance(hours=48)
    failure = ready.refused("vitals_missing", "InfusionCompleted", ready.infusion_data())
    assert "since" in failure.message


def test_a_late_normal_reading_charted_before_a_high_one_does_not_lift_the_hold(ready: Journey) -> None:
    """The issue's reproduction: 200/120 at 14:00, a normal reading typed late as 13:00, an infusion
    at 14:45: the reading before the start is still the high one."""
    start = ready.now - timedelta(minutes=INFUSION_MIN)
    ready.vitals(170, 100, at=start - timedelta(minutes=10))
    ready.vitals(120, 80, at=start - timedelta(hours=1))  # charted late, dated earlier
    ready.refused("blood_pressure_hold", "InfusionCompleted", ready.infusion_data())


@pytest.mark.parametrize("reading", [{"heart_rate": 150}, {"spo2": 85}])
def test_a_late_normal_reading_does_not_hide_a_fast_pulse_or_low_saturation(ready: Journey, reading: dict) -> None:
    start = ready.now - timedelta(minutes=INFUSION_MIN)
    ready.vitals(at=start - timedelta(minutes=10), **reading)
    ready.vitals(at=start - timedelta(hours=1))
    ready.refused("vitals_out_of_range", "InfusionCompleted", ready.infusion_data())


# -- what settles comes after what it settles -------------------------------------------------------


def test_a_discharge_dated_before_the_infusion_ended_is_before_its_subject(ready: Journey) -> None:
    ready.vitals()
    ready.infuse()
    ready.observe()
    ready.vitals(phase="post")
    ended = ready.last("InfusionCompleted").occurred_at
    ready.refused("before_subject", "DischargeAssessed", ready.discharge_data(), at=ended - timedelta(minutes=30))
    ready.discharge()


def test_with_no_infusion_at_all_a_discharge_keeps_its_older_code(ready: Journey) -> None:
    ready.refused("nothing_to_discharge", "DischargeAssessed", ready.discharge_data())


def test_an_acknowledgement_dated_before_its_alert_is_refused_and_the_same_instant_counts_as_after(
    ready: Journey,
) -> None:
    ready.phq9(12, item9=1, context="other")
    alert = ready.last("SafetyAlertRaised")
    ready.advance(hours=1)
    data = {"alert_version": alert.version, "risk_assessment": "low", "plan": "Crisis line given."}
    ready.refused(
        "before_subject", "SafetyAlertAcknowledged", data, reason="seen", at=alert.occurred_at - timedelta(seconds=1)
    )
    ready.acknowledge(alert.version, at=alert.occurred_at)


def test_an_override_dated_before_the_screening_that_found_the_finding_is_refused() -> None:
    j = Journey()
    j.consult()
    j.advance(hours=2)
    j.screen("liver_failure")
    j.refused("before_subject", "ContraindicationOverridden", {"finding": "liver_failure"}, reason="r",
              at=j.now - timedelta(minutes=1))
    j.refused("no_such_finding", "ContraindicationOverridden", {"finding": "psychotic_disorder"}, reason="r",
              at=j.now - timedelta(minutes=1))
    j.override("liver_failure", at=j.now)


def test_a_hold_override_dated_before_the_reading_that_set_it_is_refused(ready: Journey) -> None:
    ready.vitals(150, 95, at=ready.now - timedelta(minutes=50))
    ready.refused("before_subject", "HoldOverridden", {"hold": "blood_pressure"}, reason="r",
                  at=ready.now - timedelta(minutes=55))
    ready.override_hold(at=ready.now - timedelta(minutes=50))  # the same instant counts as after
    ready.infuse()


def test_a_hold_override_after_the_infusion_started_does_not_lift_its_hold(ready: Journey) -> None:
    ready.vitals(150, 95)
    ready.override_hold(at=ready.now - timedelta(minutes=10))
    ready.refused("blood_pressure_hold", "InfusionCompleted", ready.infusion_data())


# -- observation is measured ------------------------------------------------------------------------


@pytest.mark.parametrize("elapsed, accepted", [(29, False), (30, True)])
def test_a_discharge_needs_30_minutes_since_the_end_whatever_is_typed(
    ready: Journey, elapsed: int, accepted: bool
) -> None:
    ready.vitals()
    ready.infuse()
    ready.advance(minutes=elapsed)
    ready.vitals(phase="post")
    data = ready.discharge_data(observation_min=30)
    if accepted:
        ready.record("DischargeAssessed", data)
    else:
        failure = ready.refused("discharge_not_safe", "DischargeAssessed", data)
        assert "29 min" in failure.message


def test_an_observation_longer_than_the_time_elapsed_is_refused(ready: Journey) -> None:
    ready.vitals()
    ready.infuse()
    ready.observe()
    ready.vitals(phase="post")
    ready.refused("discharge_not_safe", "DischargeAssessed", ready.discharge_data(observation_min=OBSERVED_MIN + 1))
    ready.record("DischargeAssessed", ready.discharge_data(observation_min=OBSERVED_MIN))


def test_the_discharge_relies_on_the_latest_post_reading_before_it(ready: Journey) -> None:
    """A late normal post reading does not send home a patient whose later reading was 186/112."""
    ready.vitals()
    ready.infuse()
    ready.observe()
    ready.vitals(186, 112, phase="post", at=ready.now - timedelta(minutes=5))
    ready.vitals(120, 80, phase="post", at=ready.now - timedelta(minutes=20))  # typed late, dated earlier
    failure = ready.refused("discharge_not_safe", "DischargeAssessed", ready.discharge_data())
    assert "186/112" in failure.message


def test_a_post_reading_after_the_discharge_is_no_basis_for_it(ready: Journey) -> None:
    ready.vitals()
    ready.infuse()
    ready.observe()
    ready.vitals(phase="post", at=ready.now + timedelta(minutes=1))
    ready.refused("discharge_not_safe", "DischargeAssessed", ready.discharge_data())


def test_the_next_infusion_must_start_after_the_previous_discharge(ready: Journey) -> None:
    ready.give_infusion()
    ended = ready.last("InfusionCompleted").occurred_at
    discharged = ready.last("DischargeAssessed").occurred_at
    ready.advance(hours=1)
    ready.vitals(at=ended + timedelta(minutes=1))
    # an infusion dated so that it started a minute before the discharge of the one before
    failure = ready.refused(
        "discharge_pending", "InfusionCompleted", ready.infusion_data(),
        at=discharged + timedelta(minutes=INFUSION_MIN - 1), deviation="Running late",
    )
    assert "after this infusion started" in failure.message


# -- absolute findings need two clinicians on every path ----------------------------------------------


@pytest.fixture
def psychosis() -> Journey:
    j = Journey()
    j.consult()
    j.review_medications()
    j.phq9(20)
    j.screen("psychotic_disorder")
    j.advance(hours=1)
    return j


def open_after(j: Journey) -> list[str]:
    return j.record_of().open_findings()


def test_one_clinician_re_screening_clear_leaves_an_absolute_finding_open(psychosis: Journey) -> None:
    psychosis.screen()
    assert open_after(psychosis) == ["psychotic_disorder"]
    flags = psychosis.view().steps["contraindication_screening"].flags
    assert any(f.kind == "second_clinician_required" for f in flags)
    psychosis.vitals()
    psychosis.refused("contraindicated", "InfusionCompleted", psychosis.infusion_data())
    psychosis.screen()  # the same clinician again: still one
    assert open_after(psychosis) == ["psychotic_disorder"]
    psychosis.screen(actor=SECOND)
    assert open_after(psychosis) == []


def test_a_re_screening_by_one_and_an_override_by_another_are_two_clinicians(psychosis: Journey) -> None:
    psychosis.screen()
    psychosis.refused("second_clinician_required", "ContraindicationOverridden", {"finding": "psychotic_disorder"}, reason="r")
    psychosis.override("psychotic_disorder", actor=SECOND)
    assert open_after(psychosis) == []


def test_an_override_by_one_and_a_re_screening_by_another_are_two_clinicians(psychosis: Journey) -> None:
    psychosis.override("psychotic_disorder")
    psychosis.screen()  # the same clinician: still one
    assert open_after(psychosis) == ["psychotic_disorder"]
    psychosis.screen(actor=SECOND)
    assert open_after(psychosis) == []


def test_a_correction_of_the_screening_by_one_clinician_leaves_it_open(psychosis: Journey) -> None:
    screening = psychosis.last("ContraindicationScreened").version
    psychosis.enter_in_error(screening, reason="Wrong patient")
    assert open_after(psychosis) == ["psychotic_disorder"]
    psychosis.refused("second_clinician_required", "ContraindicationOverridden", {"finding": "psychotic_disorder"}, reason="r")
    psychosis.screen()  # the corrector re-screening: still one clinician
    assert open_after(psychosis) == ["psychotic_disorder"]


def test_a_correction_by_one_and_an_override_by_another_clear_it(psychosis: Journey) -> None:
    screening = psychosis.last("ContraindicationScreened").version
    psychosis.enter_in_error(screening, reason="Wrong patient")
    psychosis.override("psychotic_disorder", actor=SECOND)
    assert open_after(psychosis) == []


def test_a_relative_finding_is_cleared_by_one_clinicians_re_screening() -> None:
    j = Journey()
    j.consult()
    j.screen("liver_failure")
    j.screen()
    assert open_after(j) == []


def test_old_overrides_do_not_carry_over_to_a_screening_that_finds_the_code_again(psychosis: Journey) -> None:
    psychosis.override("psychotic_disorder")
    psychosis.override("psychotic_disorder", actor=SECOND)
    assert open_after(psychosis) == []
    psychosis.screen("psychotic_disorder")  # a new psychotic episode
    assert open_after(psychosis) == ["psychotic_disorder"]


def test_an_infusion_that_started_before_the_second_clearing_is_refused(psychosis: Journey) -> None:
    psychosis.override("psychotic_disorder")
    psychosis.override("psychotic_disorder", actor=SECOND)
    psychosis.vitals()
    psychosis.refused("contraindicated", "InfusionCompleted", psychosis.infusion_data())
    psychosis.advance(minutes=INFUSION_MIN)
    psychosis.vitals()
    psychosis.infuse()


# -- limits no one overrides ------------------------------------------------------------------------


@pytest.mark.parametrize("systolic, diastolic, code", [(179, 109, None), (180, 100, "hold_not_overridable"), (160, 110, "hold_not_overridable")])
def test_a_pre_reading_at_the_ceiling_cannot_be_overridden(ready: Journey, systolic: int, diastolic: int, code: str | None) -> None:
    ready.vitals(systolic, diastolic)
    if code is None:
        ready.override_hold()
        ready.infuse()
        return
    ready.refused(code, "HoldOverridden", {"hold": "blood_pressure"}, reason="Anaesthetist agrees")
    ready.refused("blood_pressure_hold", "InfusionCompleted", ready.infusion_data(), deviation="Doctor's order")
    ready.vitals(170, 100)  # below the ceiling: an override may lift it now
    ready.override_hold()
    ready.infuse()


def test_two_infusions_95_minutes_apart_are_refused_even_with_a_deviation(ready: Journey) -> None:
    ready.give_infusion()
    ready.advance(minutes=95 - OBSERVED_MIN)
    ready.vitals()
    failure = ready.refused("administration_too_soon", "InfusionCompleted", {**ready.infusion_data(), "dose_mg_per_kg": 0.75}, deviation="Top-up")
    assert "24 h" in failure.message


def test_the_24_hour_floor_runs_from_the_end_to_the_next_start_and_spacing_above_it_is_deviable(ready: Journey) -> None:
    ready.give_infusion()
    ended = ready.last("InfusionCompleted").occurred_at
    ready.advance(seconds=(ended + timedelta(hours=24, minutes=INFUSION_MIN - 1) - ready.now).total_seconds())
    ready.vitals()
    ready.refused("administration_too_soon", "InfusionCompleted", ready.infusion_data(), deviation="Busy week")
    ready.advance(minutes=1)
    ready.vitals()
    ready.refused("spacing_too_short", "InfusionCompleted", ready.infusion_data())
    ready.infuse(deviation="Travelling next week")


def test_a_stop_counts_as_an_administration_for_the_floor(ready: Journey) -> None:
    ready.vitals()
    ready.stop("nausea", minutes=10)
    ready.recover()
    ready.advance(hours=2)
    ready.vitals()
    ready.refused("administration_too_soon", "InfusionCompleted", ready.infusion_data(), deviation="Retry today")


def test_a_second_extension_of_the_induction_is_refused() -> None:
    j = Journey().ready_for_induction()
    j.induction()
    j.advance(days=1)
    j.phq9(16, context="response_check")
    j.review_response("extend_induction")
    j.advance(days=2)
    j.induction(j.protocol.induction.extension_infusions)
    j.advance(days=1)
    j.phq9(15, context="response_check")
    failure = j.refused("extensions_exhausted", "ResponseReviewed", {"decision": "extend_induction"})
    assert "1" in failure.message
    j.review_response("maintenance")


# -- the stop that claims more minutes than it had -----------------------------------------------


def test_a_stop_claiming_240_minutes_before_an_alert_raised_10_minutes_earlier_is_judged_at_its_start(
    ready: Journey,
) -> None:
    """The issue's reproduction: the claimed start is four hours back, and the pre-infusion vitals taken
    just before the alert are no basis for an infusion that started before them."""
    ready.vitals(at=ready.now - timedelta(minutes=15))
    ready.phq9(12, item9=1, context="other", at=ready.now - timedelta(minutes=10))
    ready.refused("vitals_missing", "InfusionStopped", stop_data(240), reason="Dissociation")
    ready.refused("open_safety_alert", "InfusionStopped", stop_data(5), reason="Dissociation")
