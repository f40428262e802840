"""The tables about event types are derived from the event classes, and say what the literal tables said.

Each set below is the literal table that stood in a module before the classes carried it (issue 20);
the derived one must be the same, plus the event added since as the worked example
(``SideEffectReported``), so that no rule, page or ledger changed its answer.
"""

from __future__ import annotations

from eventsourcing.utils import get_topic

from careplan.domain import catalogue
from careplan.domain.catalogue import EVENT_TYPES, about
from careplan.domain.families.assessment import AssessmentRecorded
from careplan.domain.journey import PatientJourney

ADDED = {"SideEffectReported"}


def names(test: object) -> set[str]:
    return {name for name, cls in EVENT_TYPES.items() if test(cls.about)}  # type: ignore[operator]


MESSAGES = {"QuestionnaireSent", "NotificationQueued", "NotificationSent", "NotificationFailed"}
"""The outbox's events (DESIGN 7.7): the scheduler's, never corrected, folded in any order."""


def test_who_records_what_is_the_old_role_table() -> None:
    coordinator = {"InfusionScheduled", "InfusionCancelled", "JourneyPaused", "JourneyResumed", "JourneyClosed", "NoteAdded"}
    assert catalogue.COORDINATOR_EVENTS == coordinator
    assert catalogue.RECORDS["coordinator"] == coordinator | {"EventEnteredInError"}
    assert catalogue.RECORDS["auditor"] == catalogue.RECORDS["admin"] == frozenset()
    assert set(catalogue.SYSTEM_EVENTS) == {"StepBecameDue", "StepOverdue", "ReminderIssued", "SafetyAlertRaised", "AppointmentMissed"} | MESSAGES
    assert {name for name, cls in EVENT_TYPES.items() if "patient" in cls.about.by} == {"AssessmentRecorded"}
    assert set(catalogue.LIFECYCLE_EVENTS) == {"JourneyOpened", "ProtocolMigrated"}


def test_reasons_pauses_closes_and_corrections_are_the_old_tables() -> None:
    assert catalogue.REASON_REQUIRED == {
        "ContraindicationOverridden", "HoldOverridden", "InfusionHeld", "InfusionCancelled", "EventEnteredInError",
        "JourneyPaused", "JourneyClosed", "SafetyAlertAcknowledged", "InfusionStopped",
    }
    assert names(lambda a: not a.while_paused) == {"InfusionScheduled", "InfusionCompleted", "InfusionStopped"}
    assert names(lambda a: a.once_closed) == {"NoteAdded", "EventEnteredInError"}
    assert catalogue.NOT_CORRECTABLE == {
        "JourneyOpened", "ProtocolMigrated", "EventEnteredInError", "StepBecameDue", "StepOverdue", "ReminderIssued",
        "SafetyAlertRaised",
    } | MESSAGES


def test_bookings_late_entries_and_administrations_are_the_old_tables() -> None:
    assert catalogue.SETTLING == {
        "InfusionScheduled", "InfusionCompleted", "InfusionStopped", "InfusionHeld", "InfusionCancelled",
        "AppointmentMissed", "EventEnteredInError", "JourneyClosed",
    }
    assert names(lambda a: a.any_order) - ADDED == {"NoteAdded", "StepBecameDue", "StepOverdue", "ReminderIssued"} | MESSAGES
    assert set(catalogue.ADMINISTRATIONS) == {"InfusionCompleted", "InfusionStopped"}


def test_the_steps_are_the_old_step_maps() -> None:
    gated = {name: cls.about.step for name, cls in EVENT_TYPES.items() if cls.about.gated}
    assert gated == {
        "MedicationReviewed": "medication_review",
        "ContraindicationScreened": "contraindication_screening",
        "ScreeningOrdered": "lab_screening",
        "ScreeningResulted": "lab_screening",
        "ComplementaryCareGuidanceGiven": "complementary_care",
        "ComplementaryCareCheckIn": "complementary_care",
        "ConsentRecorded": "consent",
    }
    assert about("ResponseReviewed").step == "response_check" and about("MaintenanceIntervalSet").step == "maintenance"
    baseline = AssessmentRecorded.parse({"instrument": "GAD7", "total": 0, "items": [0] * 7, "context": "baseline"})
    other = AssessmentRecorded.parse({"instrument": "GAD7", "total": 0, "items": [0] * 7})
    assert baseline.waits_on() == "baseline_assessment" and other.waits_on() is None
    assert other.belongs_to() == "baseline_assessment" and other.does() is None


def test_the_picker_offers_every_type_a_person_records_once() -> None:
    offered = [name for _, group in catalogue.PICKER for name in group]
    assert sorted(offered) == sorted(catalogue.CLINICIAN_EVENTS)
    assert all(about(name).label for name in offered)


def test_every_type_has_its_stored_class_under_the_topic_the_store_keeps() -> None:
    for name in EVENT_TYPES:
        stored = getattr(PatientJourney, name)
        assert get_topic(stored) == f"careplan.domain.journey:PatientJourney.{name}"
        if name != "JourneyOpened":
            assert issubclass(stored, PatientJourney.Recorded)
