"""Journeys set up through the application, so each browser test starts where its story starts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from careplan.application import CarePlan
from careplan.domain.values import Actor
from tests.examples import VALID_DATA

BASELINE = {"instrument": "PHQ9", "total": 17, "items": [2, 2, 3, 2, 2, 2, 2, 2, 0], "context": "baseline"}
COORDINATOR = Actor("seed-coordinator", "coordinator")
CLINICIAN = Actor("seed-clinician", "clinician")


def ready_for_induction(app: CarePlan, patient_ref: str) -> UUID:
    """Consulted, reviewed, screened clear, baseline PHQ-9 taken: the first infusion can go ahead."""
    now = app.clock()
    journey = app.open_journey(patient_ref, actor=COORDINATOR, occurred_at=now - timedelta(days=10))
    steps = (
        ("ConsultationCompleted", VALID_DATA["ConsultationCompleted"], 9),
        ("MedicationReviewed", VALID_DATA["MedicationReviewed"], 8),
        ("ContraindicationScreened", {"findings": []}, 8),
        ("AssessmentRecorded", BASELINE, 1),
    )
    for event_type, data, days_ago in steps:
        app.record(journey, event_type, data, actor=CLINICIAN, occurred_at=now - timedelta(days=days_ago))
    return journey


def ready_for_screening(app: CarePlan, patient_ref: str, protocol_id: str | None = None) -> UUID:
    """Consulted, reviewed and baseline PHQ-9 taken: only the contraindication screening is left."""
    now = app.clock()
    journey = app.open_journey(patient_ref, actor=COORDINATOR, protocol_id=protocol_id, occurred_at=now - timedelta(days=10))
    steps = (
        ("ConsultationCompleted", VALID_DATA["ConsultationCompleted"], 9),
        ("MedicationReviewed", VALID_DATA["MedicationReviewed"], 8),
        ("AssessmentRecorded", BASELINE, 1),
    )
    for event_type, data, days_ago in steps:
        app.record(journey, event_type, data, actor=CLINICIAN, occurred_at=now - timedelta(days=days_ago))
    return journey


def consultation_overdue(app: CarePlan, patient_ref: str) -> UUID:
    """Opened twelve days ago and never consulted: the consultation (due in 7 days) is overdue."""
    return app.open_journey(patient_ref, actor=COORDINATOR, occurred_at=app.clock() - timedelta(days=12))


def a_few_versions(app: CarePlan, patient_ref: str) -> UUID:
    """Opened, consulted, a note, a medication review: four versions to step back through."""
    now = app.clock()
    journey = app.open_journey(patient_ref, actor=COORDINATOR, occurred_at=now - timedelta(days=5))
    app.record(journey, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"], actor=CLINICIAN, occurred_at=now - timedelta(days=4))
    app.record(journey, "NoteAdded", {"text": "Prefers morning appointments."}, actor=COORDINATOR, occurred_at=now - timedelta(days=3))
    app.record(journey, "MedicationReviewed", VALID_DATA["MedicationReviewed"], actor=CLINICIAN, occurred_at=now - timedelta(days=2))
    return journey


def infusion_start(site: Any, minutes: int = 40) -> str:
    """The start of an infusion recorded now (``minutes`` ago), as the forms' clinic-time input: when
    its pre-infusion vitals are taken (DESIGN 7.1: an infusion is charted at its end)."""
    from web.clinic import local_input

    with site.flask.app_context():
        return local_input(site.clock() - timedelta(minutes=minutes))
