"""Walking a journey through the protocol in tests: each helper records what a clinic would."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from careplan.application import CarePlan
from careplan.domain.values import Actor
from tests.examples import VALID_DATA

CLINICIAN = Actor("dr-ng", "clinician")


def record(app: CarePlan, journey_id: UUID, event_type: str, reason: str | None = None, **changes: Any) -> int:
    data = {**VALID_DATA[event_type], **changes}
    return app.record(journey_id, event_type, data, actor=CLINICIAN, reason=reason)


def ready_for_induction(app: CarePlan, journey_id: UUID) -> None:
    """Consultation, medication review, screening, the three lab panels and a baseline PHQ-9, now."""
    record(app, journey_id, "ConsultationCompleted")
    record(app, journey_id, "MedicationReviewed")
    record(app, journey_id, "ContraindicationScreened")
    for panel in ("hormone", "thyroid", "diabetes"):
        record(app, journey_id, "ScreeningOrdered", panel=panel)
        record(app, journey_id, "ScreeningResulted", panel=panel)
    record(app, journey_id, "AssessmentRecorded")


def schedule(app: CarePlan, journey_id: UUID, when: datetime, phase: str = "induction") -> int:
    return record(app, journey_id, "InfusionScheduled", phase=phase, scheduled_for=when.isoformat())


def infuse(app: CarePlan, journey_id: UUID, phase: str = "induction") -> int:
    """Pre-vitals at the start, the infusion recorded at its end (now), and the post-vitals and the
    discharge after the observation (dated ahead: the rules measure it, DESIGN 7.1)."""
    now = app.clock()
    minutes = VALID_DATA["InfusionCompleted"]["duration_min"]
    data = {**VALID_DATA["VitalsRecorded"]}
    app.record(journey_id, "VitalsRecorded", data, actor=CLINICIAN, occurred_at=now - timedelta(minutes=minutes + 40))
    version = app.record(
        journey_id, "InfusionCompleted", {**VALID_DATA["InfusionCompleted"], "phase": phase}, actor=CLINICIAN,
        occurred_at=now - timedelta(minutes=40),
    )
    record(app, journey_id, "VitalsRecorded", phase="post")
    record(app, journey_id, "DischargeAssessed", phase=phase)
    return version


def phq9(app: CarePlan, journey_id: UUID, item: int, context: str) -> int:
    return record(app, journey_id, "AssessmentRecorded", total=item * 9, items=[item] * 9, context=context)
