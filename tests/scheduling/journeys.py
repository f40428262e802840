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
    """Pre-vitals at the start, the infusion recorded at its end (now), then the observation (the
    test's clock moves on by it: the rules measure it, DESIGN 7.1), post-vitals and the discharge."""
    minutes = VALID_DATA["InfusionCompleted"]["duration_min"]
    started = app.clock() - timedelta(minutes=minutes)
    app.record(journey_id, "VitalsRecorded", {**VALID_DATA["VitalsRecorded"]}, actor=CLINICIAN, occurred_at=started)
    version = record(app, journey_id, "InfusionCompleted", phase=phase)
    app.clock.advance(minutes=40)  # type: ignore[attr-defined]  (the tests' Clock)
    record(app, journey_id, "VitalsRecorded", phase="post")
    record(app, journey_id, "DischargeAssessed", phase=phase)
    return version


def phq9(app: CarePlan, journey_id: UUID, item: int, context: str) -> int:
    return record(app, journey_id, "AssessmentRecorded", total=item * 9, items=[item] * 9, context=context)
