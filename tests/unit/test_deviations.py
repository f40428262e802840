"""Deviations (DESIGN 6.3): timing rules accept a reason for departing from them; safety rules never do."""

from __future__ import annotations

from dataclasses import replace

import pytest

from careplan.domain.errors import RuleViolation
from tests.unit.journeys import Journey, default_protocol

REASON = "Patient could only come Wednesday morning"


@pytest.fixture
def ready() -> Journey:
    return Journey().ready_for_induction()


def deviation_flags(j: Journey, step: str) -> list[str]:
    return [f.reason for f in j.view().steps[step].flags if f.kind == "deviation"]


def test_an_infusion_41_hours_after_the_last_is_refused_without_a_deviation(ready: Journey) -> None:
    ready.give_infusion()
    ready.advance(hours=41)
    ready.vitals()
    refused = ready.refused("spacing_too_short", "InfusionCompleted", ready.infusion_data())
    assert refused.deviable


def test_an_infusion_41_hours_after_the_last_is_accepted_with_a_deviation_and_flagged(ready: Journey) -> None:
    ready.give_infusion()
    ready.advance(hours=41)
    ready.vitals()
    version = ready.infuse(deviation=REASON)
    fact = ready.last("InfusionCompleted")
    assert (fact.version, fact.deviation, fact.deviated) == (version, REASON, ("spacing_too_short",))
    assert ready.view().induction_done == 2
    assert deviation_flags(ready, "induction") == [f"Spacing too short recorded as a deviation: {REASON}"]


def test_an_infusion_on_day_22_is_accepted_with_a_deviation(ready: Journey) -> None:
    ready.induction(4, every_hours=24 * 6)  # days 0, 6, 12, 18
    ready.advance(days=4)
    ready.vitals()
    ready.refused("induction_window_exceeded", "InfusionCompleted", ready.infusion_data())
    ready.infuse(deviation="A week of influenza")
    assert ready.last("InfusionCompleted").deviated == ("induction_window_exceeded",)
    assert ready.view().induction_done == 5


def test_a_deviation_does_not_lift_the_blood_pressure_hold(ready: Journey) -> None:
    ready.give_infusion()
    ready.advance(hours=41)
    ready.vitals(150, 95)
    ready.refused("blood_pressure_hold", "InfusionCompleted", ready.infusion_data(), deviation=REASON)


def test_a_safety_rule_after_a_waived_timing_rule_still_refuses(ready: Journey) -> None:
    """The window rule runs before the hold: waiving it must not skip the hold."""
    ready.induction(4, every_hours=24 * 6)
    ready.advance(days=4)
    ready.vitals(150, 95)
    ready.refused("blood_pressure_hold", "InfusionCompleted", ready.infusion_data(), deviation="Influenza")
    ready.vitals()
    ready.refused("escort_not_confirmed", "InfusionCompleted", ready.infusion_data(escort=False), deviation="Influenza")


def test_a_blank_deviation_is_no_deviation(ready: Journey) -> None:
    ready.give_infusion()
    ready.advance(hours=41)
    ready.vitals()
    ready.refused("spacing_too_short", "InfusionCompleted", ready.infusion_data(), deviation="   ")


def test_a_deviation_no_rule_needed_is_not_stored(ready: Journey) -> None:
    ready.give_infusion(), ready.advance(hours=48), ready.vitals()
    ready.infuse(deviation=REASON)
    assert ready.last("InfusionCompleted").deviation is None
    assert deviation_flags(ready, "induction") == []


def test_the_response_check_may_come_early_with_a_deviation() -> None:
    j = Journey().ready_for_induction()
    j.induction()
    j.advance(hours=2)
    j.phq9(8, context="response_check")
    with pytest.raises(RuleViolation) as caught:
        j.review_response("maintenance")
    assert caught.value.code == "response_check_too_early"
    j.review_response("maintenance", deviation="Patient moves abroad tomorrow")
    assert deviation_flags(j, "response_check")


def test_a_maintenance_interval_out_of_bounds_is_accepted_with_a_deviation() -> None:
    protocol = default_protocol()
    narrow = replace(protocol, maintenance=replace(protocol.maintenance, min_interval_weeks=3, max_interval_weeks=8))
    j = Journey(narrow)
    j.refused("interval_out_of_range", "MaintenanceIntervalSet", {"weeks": 2})
    j.interval(2, deviation="Relapse risk: every two weeks for now")
    assert j.record_of().maintenance_weeks == 2
    assert deviation_flags(j, "maintenance")


def test_the_record_keeps_the_latest_three_deviations_per_step(ready: Journey) -> None:
    ready.give_infusion()
    for n in range(4):
        ready.advance(hours=41)
        ready.vitals()
        ready.infuse(deviation=f"reason {n}")
        ready.recover()
    kept = ready.record_of().deviations["induction"]
    assert [reason for _, _, reason in kept] == ["reason 1", "reason 2", "reason 3"]


def test_a_deviating_event_marked_in_error_loses_its_flag(ready: Journey) -> None:
    ready.give_infusion()
    ready.advance(hours=41)
    ready.vitals()
    version = ready.infuse(deviation=REASON)
    ready.enter_in_error(version)
    assert deviation_flags(ready, "induction") == []
