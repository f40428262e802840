"""The duties a journey owes as time passes: pure domain, no store and no scheduler."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from careplan.domain.duties import duties, next_duty_at
from careplan.domain.journey import PatientJourney
from tests.examples import VALID_DATA
from tests.scheduling.journeys import CLINICIAN

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def journey(protocols):  # type: ignore[no-untyped-def]
    return PatientJourney.open("MRN-D", protocols.get("ketamine-trd", 1), T0, CLINICIAN, T0)


def do(journey, protocols, event_type: str, at: datetime, reason: str | None = None, **changes):  # type: ignore[no-untyped-def]
    journey.record(
        event_type, {**VALID_DATA[event_type], **changes}, actor=CLINICIAN, occurred_at=at, reason=reason, now=at,
        resolve=protocols.get,
    )


def owed(journey, protocols, now: datetime) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    record = journey.clinical_record(protocols.get)
    return [(d.type, d.key) for d in duties(record, journey.view(protocols.get, now), now)]


def settle(journey, protocols, now: datetime) -> None:  # type: ignore[no-untyped-def]
    record = journey.clinical_record(protocols.get)
    for duty in duties(record, journey.view(protocols.get, now), now):
        journey.record_system(duty.type, duty.data, occurred_at=duty.occurred_at, now=now)


def next_at(journey, protocols, now: datetime) -> datetime | None:  # type: ignore[no-untyped-def]
    return next_duty_at(journey.clinical_record(protocols.get), journey.view(protocols.get, now), now)


def test_a_step_becomes_due_on_the_day_before_its_due_time_and_overdue_just_after_it(journey, protocols):
    due = T0 + timedelta(days=7)
    assert owed(journey, protocols, due - timedelta(days=1, microseconds=1)) == []
    assert owed(journey, protocols, due - timedelta(days=1)) == [("StepBecameDue", f"due:consultation:{due.isoformat()}")]
    assert [t for t, _ in owed(journey, protocols, due)] == ["StepBecameDue"]
    assert [t for t, _ in owed(journey, protocols, due + timedelta(seconds=1))] == ["StepBecameDue", "StepOverdue"]


def test_what_was_recorded_is_not_owed_again_and_occurred_at_is_the_due_moment(journey, protocols):
    late = T0 + timedelta(days=30)
    record = journey.clinical_record(protocols.get)
    found = duties(record, journey.view(protocols.get, late), late)
    assert [d.occurred_at for d in found] == [T0 + timedelta(days=6), T0 + timedelta(days=7)]
    settle(journey, protocols, late)
    assert owed(journey, protocols, late + timedelta(days=365)) == []


def test_a_paused_or_closed_journey_owes_nothing(journey, protocols):
    do(journey, protocols, "JourneyPaused", T0 + timedelta(hours=1), reason="Travelling.")
    assert owed(journey, protocols, T0 + timedelta(days=30)) == []
    assert next_at(journey, protocols, T0 + timedelta(days=30)) is None
    do(journey, protocols, "JourneyResumed", T0 + timedelta(days=30))
    assert len(owed(journey, protocols, T0 + timedelta(days=30))) == 2
    do(journey, protocols, "JourneyClosed", T0 + timedelta(days=30, hours=1), reason="Moved.", outcome="transferred")
    assert owed(journey, protocols, T0 + timedelta(days=60)) == []


def test_next_duty_at_is_the_first_moment_anything_is_owed(journey, protocols):
    assert next_at(journey, protocols, T0) == T0 + timedelta(days=6)
    settle(journey, protocols, T0 + timedelta(days=6))
    overdue_from = next_at(journey, protocols, T0 + timedelta(days=6))
    assert overdue_from == T0 + timedelta(days=7, microseconds=1)
    assert owed(journey, protocols, overdue_from - timedelta(microseconds=1)) == []
    assert owed(journey, protocols, overdue_from) != []


def test_next_duty_at_sees_the_induction_window_closing_without_any_event(journey, protocols):
    for event in ("ConsultationCompleted", "MedicationReviewed", "ContraindicationScreened"):
        do(journey, protocols, event, T0)
    for panel in ("hormone", "thyroid", "diabetes"):
        do(journey, protocols, "ScreeningOrdered", T0, panel=panel)
        do(journey, protocols, "ScreeningResulted", T0, panel=panel)
    do(journey, protocols, "AssessmentRecorded", T0)
    first = T0 + timedelta(days=1)
    do(journey, protocols, "VitalsRecorded", first - timedelta(minutes=40))  # at the infusion's start
    do(journey, protocols, "InfusionCompleted", first)
    do(journey, protocols, "ComplementaryCareCheckIn", T0 + timedelta(days=20))  # no check-in due before day 34
    settle(journey, protocols, T0 + timedelta(days=20))
    # Only 1 of 6 infusions: when the 21-day window closes the response check opens, already overdue.
    window_end = first + timedelta(days=21)
    wake = next_at(journey, protocols, T0 + timedelta(days=20))
    assert wake == window_end + timedelta(seconds=1)
    assert owed(journey, protocols, window_end) == []
    keys = [k for _, k in owed(journey, protocols, wake)]
    assert any(k.startswith("overdue:response_check:") for k in keys)


def test_a_relapse_in_maintenance_raises_one_alert_keyed_by_the_assessment(journey, protocols):
    for event in ("ConsultationCompleted", "MedicationReviewed", "ContraindicationScreened"):
        do(journey, protocols, event, T0)
    for panel in ("hormone", "thyroid", "diabetes"):
        do(journey, protocols, "ScreeningOrdered", T0, panel=panel)
        do(journey, protocols, "ScreeningResulted", T0, panel=panel)
    do(journey, protocols, "AssessmentRecorded", T0)
    for n in range(6):
        at = T0 + timedelta(days=1 + 2 * n)
        do(journey, protocols, "VitalsRecorded", at - timedelta(minutes=40))  # at the infusion's start
        do(journey, protocols, "InfusionCompleted", at)
        do(journey, protocols, "VitalsRecorded", at + timedelta(minutes=40), phase="post")
        do(journey, protocols, "DischargeAssessed", at + timedelta(minutes=40))
    after = T0 + timedelta(days=13)
    do(journey, protocols, "AssessmentRecorded", after, total=4, items=[0, 1, 1, 1, 1, 0, 0, 0, 0], context="response_check")
    do(journey, protocols, "ResponseReviewed", after, decision="maintenance")
    relapse_at = after + timedelta(days=3)
    do(journey, protocols, "AssessmentRecorded", relapse_at, total=12, items=[2, 2, 2, 2, 2, 1, 1, 0, 0], context="maintenance")
    version = journey.version
    alerts = [k for t, k in owed(journey, protocols, relapse_at) if t == "SafetyAlertRaised"]
    assert alerts == [f"alert:relapse:{version}"]
    settle(journey, protocols, relapse_at)
    assert [k for t, k in owed(journey, protocols, relapse_at) if t == "SafetyAlertRaised"] == []
