"""The CarePlan and one Task per protocol step, from the journey and its derived view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from careplan.domain.journey import PatientJourney
from careplan.domain.values import Fact
from careplan.domain.view import JourneyView, StepView
from events.fhir import codes, refs

STEP_EVENTS: dict[str, tuple[str, ...]] = {
    "consultation": ("ConsultationCompleted",),
    "consent": ("ConsentRecorded",),
    "medication_review": ("MedicationReviewed",),
    "contraindication_screening": ("ContraindicationScreened", "ContraindicationOverridden"),
    "lab_screening": ("ScreeningOrdered", "ScreeningResulted"),
    "baseline_assessment": (),
    "induction": (),
    "response_check": ("ResponseReviewed",),
    "maintenance": ("MaintenanceIntervalSet",),
    "complementary_care": ("ComplementaryCareGuidanceGiven", "ComplementaryCareCheckIn"),
}
"""Events that do a step's work, for its execution period (assessments and infusions are matched on data)."""


def careplan(
    journey: PatientJourney, view: JourneyView, history: Sequence[Fact], subject: dict[str, Any], title: str | None
) -> dict[str, Any]:
    closed = next((f for f in reversed(history) if f.type == "JourneyClosed"), None)
    period = {"start": refs.instant(history[0].occurred_at)}
    if closed is not None and view.status == "closed":
        period["end"] = refs.instant(closed.occurred_at)
    outcome = closed.data.get("outcome") if closed is not None else None
    return {
        "resourceType": "CarePlan",
        "id": refs.resource_id(journey.id, "careplan"),
        "identifier": [{"system": codes.URI_SYSTEM, "value": refs.full_url(str(journey.id))}],
        "instantiatesCanonical": [f"{codes.PLAN_DEFINITION}/{journey.protocol_id}|{journey.protocol_version}"],
        "status": codes.careplan_status(view.status, outcome),
        "intent": "plan",
        "title": title or journey.protocol_id,
        "subject": subject,
        "period": period,
        "created": refs.instant(history[0].recorded_at),
        "author": refs.agent(history[0].actor),
        "activity": [
            {"reference": refs.reference("Task", refs.resource_id(journey.id, f"task:{name}"))} for name in view.steps
        ],
    }


def task(journey_id: UUID, step: StepView, history: list[Fact], subject: dict[str, Any], authored: str) -> dict[str, Any]:
    found: dict[str, Any] = {
        "resourceType": "Task",
        "id": refs.resource_id(journey_id, f"task:{step.name}"),
        "basedOn": [refs.reference("CarePlan", refs.resource_id(journey_id, "careplan"))],
        "status": codes.task_status(step.status),
        "intent": "plan",
        "code": codes.concept(codes.coding(codes.STEP_SYSTEM, step.name, step.title), text=step.title),
        "description": step.title,
        "for": subject,
        "authoredOn": authored,
    }
    if step.flags:
        found["businessStatus"] = {"text": ", ".join(sorted({flag.kind for flag in step.flags}))}
        found["statusReason"] = {"text": " ".join(flag.reason for flag in step.flags)}
    if step.due_at is not None:
        found["restriction"] = {"period": {"end": refs.instant(step.due_at)}}
    done = [f for f in history if _belongs(step.name, f)]
    if done:
        execution = {"start": refs.instant(done[0].occurred_at)}
        if step.status in ("completed", "cancelled", "failed"):
            execution["end"] = refs.instant(done[-1].occurred_at)
        found["executionPeriod"] = execution
    return found


def _belongs(step: str, fact: Fact) -> bool:
    if fact.type in STEP_EVENTS.get(step, ()):
        return True
    context, phase = fact.data.get("context"), fact.data.get("phase")
    if fact.type == "AssessmentRecorded":
        return (step, context) in (("baseline_assessment", "baseline"), ("response_check", "response_check"))
    if fact.type in (
        "InfusionCompleted", "InfusionHeld", "InfusionCancelled", "InfusionScheduled", "InfusionStopped", "DischargeAssessed"
    ):
        return phase == step
    return False
