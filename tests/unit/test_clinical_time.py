"""Clinical time (DESIGN 7.1): the chart as it happened, whenever each entry was typed.

A late entry takes its place where it happened; every event is judged on the record as of its own
time; a late entry or a correction that takes away what an infusion already given stood on raises a
``retrospective`` alert in the same save; an alert whose source is entered in error stays open.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from careplan.domain.journey import PatientJourney
from careplan.domain.record import fold, fold_facts
from tests.unit.journeys import Journey


@pytest.fixture
def ready() -> Journey:
    j = Journey()
    j.ready_for_induction()
    j.advance(hours=5)  # 14:00
    return j


def retrospective(j: Journey) -> list[dict]:  # type: ignore[type-arg]
    return [f.data for f in j.history if f.type == "SafetyAlertRaised" and f.data["kind"] == "retrospective"]


def test_a_reading_charted_late_takes_its_place_and_does_not_lift_a_hold(ready: Journey) -> None:
    """A 200/120 reading at 14:00, a normal one charted late as 13:00: the hold stays."""
    ready.vitals(200, 120)
    ready.advance(minutes=30)
    ready.vitals(120, 80, at=ready.now - timedelta(hours=1, minutes=30))
    ready.advance(minutes=15)
    ready.refused("blood_pressure_hold", "InfusionCompleted", ready.infusion_data())
    assert ready.record_of().pre_vitals.systolic == 200


@pytest.mark.parametrize("high, code", [({"heart_rate": 150}, "vitals_out_of_range"), ({"spo2": 85}, "vitals_out_of_range")])
def test_a_late_normal_reading_does_not_hide_a_pulse_or_saturation_out_of_range(
    ready: Journey, high: dict[str, int], code: str
) -> None:
    ready.vitals(120, 80, **high)
    ready.advance(minutes=30)
    ready.vitals(120, 80, at=ready.now - timedelta(hours=2))  # charted late, dated before the high one
    ready.refused(code, "InfusionCompleted", ready.infusion_data())


def test_versions_stay_in_recording_order_and_the_record_is_the_fold_in_clinical_order(ready: Journey) -> None:
    ready.vitals(200, 120)
    ready.advance(minutes=30)
    late = ready.vitals(120, 80, at=ready.now - timedelta(hours=2))
    assert [f.version for f in ready.history] == list(range(1, late + 1))
    record = ready.record_of()
    assert record.version == late and record.latest == ready.history[-2].occurred_at
    assert record == fold(ready.protocol, ready.history, ready.resolve)


def test_an_infusion_dated_before_its_vitals_were_taken_has_no_pre_infusion_vitals(ready: Journey) -> None:
    ready.vitals(120, 80)
    ready.advance(hours=1)
    ready.refused("vitals_missing", "InfusionCompleted", ready.infusion_data(), at=ready.now - timedelta(hours=2))


def test_a_late_entry_folds_like_the_replay_and_the_snapshot(ready: Journey) -> None:
    ready.give_infusion()
    ready.advance(hours=2)
    ready.phq9(12, context="other", at=ready.now - timedelta(hours=3))
    events = ready.collect()
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert isinstance(replayed, PatientJourney) and replayed.needs_refold
    replayed.refold(ready.history, ready.resolve)
    assert replayed.chart == ready.record_of() == fold_facts(ready.history)


def test_a_late_note_goes_on_the_end_without_reading_the_history(ready: Journey) -> None:
    ready.vitals(120, 80)
    ready.aggregate.record(
        "NoteAdded", {"text": "Charted late."}, actor=ready.history[-1].actor, occurred_at=ready.now - timedelta(hours=1),
        reason=None, now=ready.now, resolve=ready.resolve, history=None,
    )
    with pytest.raises(ValueError, match="history"):
        ready.aggregate.record(
            "VitalsRecorded", {"phase": "pre", "systolic": 120, "diastolic": 80, "heart_rate": 70},
            actor=ready.history[-1].actor, occurred_at=ready.now - timedelta(hours=1),
            reason=None, now=ready.now, resolve=ready.resolve, history=None,
        )


# -- the retrospective review --------------------------------------------------------------------


def test_correcting_the_pre_vitals_of_an_infusion_given_raises_a_retrospective_alert(ready: Journey) -> None:
    vitals = ready.vitals(120, 80)
    infusion = ready.infuse()
    ready.recover()
    ready.advance(hours=3)
    correction = ready.enter_in_error(vitals, reason="Vitals of another patient")
    [alert] = retrospective(ready)
    assert alert["source_version"] == infusion and alert["rule"] == "vitals_missing"
    assert alert["cause_version"] == correction and alert["step"] == "induction"
    raised = ready.history[-1]
    assert raised.type == "SafetyAlertRaised" and raised.occurred_at == ready.now  # dated when recorded
    ready.advance(hours=48)
    ready.vitals(120, 80)
    ready.refused("open_safety_alert", "InfusionCompleted", ready.infusion_data())
    ready.acknowledge(raised.version, risk="low")
    ready.advance(minutes=45)  # the next infusion starts after the alert was worked (judged at its start)
    ready.vitals(120, 80)
    ready.infuse()


def test_a_high_reading_charted_late_before_an_infusion_raises_a_retrospective_alert(ready: Journey) -> None:
    ready.vitals(120, 80)
    ready.advance(minutes=30)
    infusion = ready.infuse()
    ready.recover()
    ready.advance(hours=2)
    ready.vitals(200, 120, at=ready.history[infusion - 1].occurred_at - timedelta(minutes=45))  # before its start
    assert [(a["source_version"], a["rule"]) for a in retrospective(ready)] == [(infusion, "blood_pressure_hold")]


def test_a_self_harm_answer_charted_late_before_an_infusion_raises_both_alerts(ready: Journey) -> None:
    ready.vitals(120, 80)
    infusion = ready.infuse()
    ready.recover()
    ready.advance(hours=1)
    ready.phq9(14, item9=2, context="other", at=ready.history[infusion - 1].occurred_at - timedelta(hours=1))
    kinds = [f.data["kind"] for f in ready.history if f.type == "SafetyAlertRaised"]
    assert kinds == ["self_harm", "retrospective"]
    assert retrospective(ready)[0]["rule"] == "open_safety_alert"


def test_a_late_entry_that_changes_nothing_an_infusion_stood_on_raises_nothing(ready: Journey) -> None:
    ready.give_infusion()
    ready.advance(hours=5)
    ready.note(at=ready.now - timedelta(hours=8))
    ready.phq9(10, context="other", at=ready.now - timedelta(hours=4))
    ready.vitals(118, 76, phase="post", at=ready.now - timedelta(hours=4))
    assert retrospective(ready) == []


def test_a_timing_rule_is_no_cause_for_a_retrospective_alert(ready: Journey) -> None:
    """An infusion charted late 30 h before one already given breaks the 48 h spacing (a timing rule,
    measured both ways, deviable with a reason): no alert says so. Until its own discharge is charted, though, the later infusion reads
    as given before the earlier one was discharged, a safety rule, and that is flagged."""
    first_day = ready.now
    ready.advance(hours=30)
    later = ready.give_infusion()
    ready.advance(hours=2)
    ready.vitals(120, 80, at=first_day - timedelta(minutes=50))
    ready.refused("spacing_too_short", "InfusionCompleted", ready.infusion_data(), at=first_day)
    ready.infuse(at=first_day, deviation="Charted from the paper record of the satellite clinic")
    assert [(a["source_version"], a["rule"]) for a in retrospective(ready)] == [(later, "discharge_pending")]
    ready.vitals(118, 76, phase="post", at=first_day + timedelta(minutes=45))
    ready.discharge(at=first_day + timedelta(minutes=50))
    assert len(retrospective(ready)) == 1


def test_undoing_a_discharge_after_the_next_infusion_raises_a_retrospective_alert(ready: Journey) -> None:
    ready.give_infusion()
    discharge = ready.last("DischargeAssessed").version
    ready.advance(hours=48)
    second = ready.give_infusion()
    ready.advance(hours=1)
    ready.enter_in_error(discharge, reason="Discharge charted on the wrong patient")
    assert [(a["source_version"], a["rule"]) for a in retrospective(ready)] == [(second, "discharge_pending")]


def test_undoing_an_acknowledgement_after_the_next_infusion_raises_a_retrospective_alert(ready: Journey) -> None:
    ready.give_infusion()
    ready.advance(hours=24)
    ready.phq9(9, item9=1, context="other")
    ack = ready.acknowledge(ready.last("SafetyAlertRaised").version)
    ready.advance(hours=24)
    second = ready.give_infusion()
    ready.advance(hours=1)
    ready.enter_in_error(ack, reason="Acknowledged the wrong alert")
    assert [(a["source_version"], a["rule"]) for a in retrospective(ready)] == [(second, "open_safety_alert")]


# -- no alert closes silently ---------------------------------------------------------------------


def test_an_alert_whose_phq9_is_entered_in_error_stays_open_saying_its_source_was_withdrawn(ready: Journey) -> None:
    phq9 = ready.phq9(12, item9=2, context="other")
    alert = ready.last("SafetyAlertRaised").version
    ready.advance(hours=1)
    ready.enter_in_error(phq9, reason="Scored the wrong form")
    [shown] = ready.view().alerts
    assert shown.version == alert and not shown.acknowledged and shown.source_withdrawn
    assert "entered in error" in shown.reason
    ready.vitals(120, 80)
    ready.refused("open_safety_alert", "InfusionCompleted", ready.infusion_data())
    ready.acknowledge(alert, risk="low")
    assert ready.view().open_alerts == []
    ready.advance(minutes=45)  # the infusion starts after the alert was worked
    ready.vitals(120, 80)
    ready.infuse()


def test_a_vitals_alert_whose_reading_is_entered_in_error_stays_open(ready: Journey) -> None:
    ready.give_infusion()
    reading = ready.vitals(190, 100, phase="post")
    ready.advance(minutes=5)
    ready.enter_in_error(reading, reason="Cuff on the wrong arm")
    [shown] = ready.view().open_alerts
    assert shown.kind == "vitals" and shown.source_withdrawn


def test_a_reading_taken_during_the_infusion_typed_up_late_replays_without_a_refold(ready: Journey) -> None:
    ready.vitals(120, 80)
    ready.infuse()
    ready.advance(minutes=10)
    ready.vitals(126, 80, phase="during", at=ready.now - timedelta(minutes=30))
    replayed = None
    for event in ready.collect():
        replayed = event.mutate(replayed)
    assert isinstance(replayed, PatientJourney) and not replayed.needs_refold
    assert replayed.chart == ready.record_of() == fold_facts(ready.history)
