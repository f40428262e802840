"""Steps a clinic takes on a journey, shared by the application tests.

Each helper records real events through the application (no shortcuts into the store), so the tests
that use them exercise the same path as the API and the CLI.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any
from uuid import UUID

from careplan.application import CarePlan
from careplan.domain.values import Actor
from tests.examples import VALID_DATA

CLINICIAN = Actor(id="dr-okafor", role="clinician")

UP_TO_FIRST_INFUSION = (
    "ConsultationCompleted",
    "MedicationReviewed",
    "ContraindicationScreened",
    "AssessmentRecorded",
    "VitalsRecorded",
)


def data(event_type: str, **changes: Any) -> dict[str, Any]:
    """A valid payload of this type (a fresh copy), with the given fields changed."""
    payload = copy.deepcopy(VALID_DATA[event_type])
    payload.update(changes)
    return payload


def baseline_phq9() -> dict[str, Any]:
    """A baseline PHQ-9 without thoughts of self-harm, so no safety alert joins the history."""
    return data("AssessmentRecorded", total=16, items=[2, 2, 2, 2, 2, 2, 2, 2, 0])


def ready_for_induction(app: CarePlan, clock: Any, patient_ref: str = "MRN-000123") -> UUID:
    """Opens a journey and records everything induction needs, an hour apart; returns its id."""
    journey_id = app.open_journey(patient_ref, actor=CLINICIAN)
    for event_type in UP_TO_FIRST_INFUSION:
        clock.advance(hours=1)
        payload = baseline_phq9() if event_type == "AssessmentRecorded" else data(event_type)
        app.record(journey_id, event_type, payload, actor=CLINICIAN)
    clock.advance(minutes=40)  # an infusion recorded now (at its end) started at the pre-vitals
    return journey_id


def complete_infusion(app: CarePlan, journey_id: UUID, clock: Any, *, after: timedelta) -> int:
    """Pre-infusion vitals, then the infusion, ``after`` the clock's current time."""
    clock.advance(seconds=after.total_seconds())
    started = clock() - timedelta(minutes=VALID_DATA["InfusionCompleted"]["duration_min"])
    app.record(journey_id, "VitalsRecorded", data("VitalsRecorded"), actor=CLINICIAN, occurred_at=started)
    return app.record(journey_id, "InfusionCompleted", data("InfusionCompleted"), actor=CLINICIAN)
