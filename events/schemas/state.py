"""The state of a journey at a moment, as the API gives it (``GET /journeys/{id}``).

``steps`` is keyed by step name, each with its FHIR-like status, due time and flags; ``as_of`` is the
moment the view was judged at (now, a past ``as_of``, or the recording time of a past ``version``).
Dumped from :func:`journey_state`, a plain mapping built from the journey and its view.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from marshmallow import Schema, fields

from careplan.domain.journey import PatientJourney
from careplan.domain.view import JourneyView
from events.schemas.common import UtcDateTime


class ProtocolRefSchema(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)


class FlagSchema(Schema):
    kind = fields.String(required=True)
    reason = fields.String(required=True)


class StepStateSchema(Schema):
    title = fields.String()
    status = fields.String(required=True)
    due_at = UtcDateTime(allow_none=True)
    flags = fields.List(fields.Nested(FlagSchema))


class OutcomeSchema(Schema):
    phq9_baseline = fields.Integer(allow_none=True)
    phq9_latest = fields.Integer(allow_none=True)
    change_pct = fields.Float(allow_none=True)
    classification = fields.String(allow_none=True, metadata={"description": "remission, response, partial or non-response"})


class AlertSchema(Schema):
    version = fields.Integer(metadata={"description": "The version of the SafetyAlertRaised event."})
    kind = fields.String()
    reason = fields.String()
    raised_at = UtcDateTime()
    acknowledged = fields.Boolean()
    course = fields.String(
        allow_none=True,
        metadata={"description": "For an alert carried from the patient's previous course: that course's journey id."},
    )
    course_version = fields.Integer(allow_none=True, metadata={"description": "The alert's version in that course."})
    source_withdrawn = fields.Boolean(
        metadata={"description": "The event that raised it was entered in error; it stays open until acknowledged."}
    )


class NextActionSchema(Schema):
    step = fields.String()
    action = fields.String()
    due_at = UtcDateTime(allow_none=True)
    blocked_by = fields.String(
        allow_none=True,
        metadata={"description": "The rule's code when this action is what blocks the next infusion (the first action)."},
    )


class InfusionCountsSchema(Schema):
    induction_done = fields.Integer()
    induction_target = fields.Integer()
    maintenance_done = fields.Integer()


class JourneyStateSchema(Schema):
    id = fields.UUID(required=True)
    patient_ref = fields.String(required=True)
    protocol = fields.Nested(ProtocolRefSchema)
    version = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "active, paused or closed"})
    steps = fields.Dict(keys=fields.String(), values=fields.Nested(StepStateSchema))
    outcome = fields.Nested(OutcomeSchema)
    alerts = fields.List(fields.Nested(AlertSchema))
    next_actions = fields.List(fields.Nested(NextActionSchema))
    infusions = fields.Nested(InfusionCountsSchema)
    as_of = UtcDateTime(required=True)


def journey_state(journey: PatientJourney, view: JourneyView) -> dict[str, Any]:
    """The mapping :class:`JourneyStateSchema` dumps."""
    return {
        "id": journey.id,
        "patient_ref": journey.patient_ref,
        "protocol": {"id": journey.protocol_id, "version": journey.protocol_version},
        "version": journey.version,
        "status": view.status,
        "steps": {
            name: {"title": s.title, "status": s.status, "due_at": s.due_at, "flags": [asdict(f) for f in s.flags]}
            for name, s in view.steps.items()
        },
        "outcome": asdict(view.outcome),
        "alerts": [asdict(a) for a in view.alerts],
        "next_actions": [asdict(a) for a in view.next_actions],
        "infusions": {
            "induction_done": view.induction_done,
            "induction_target": view.induction_target,
            "maintenance_done": view.maintenance_done,
        },
        "as_of": view.as_of,
    }
