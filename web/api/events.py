"""``/journeys/{id}/events`` (a journey's history, and recording an event) and ``/event-types``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import url_for
from flask.views import MethodView

from careplan.domain.history import History
from careplan.domain.values import Fact
from careplan.domain.vocabulary import CLINICIAN_EVENTS, REASON_REQUIRED
from events.schemas import DATA_SCHEMAS, EventRecordSchema, EventSubmission, EventSubmissionSchema
from web.api.auth import caller, permit, permit_recording
from web.api.blueprint import blp
from web.api.schemas import ErrorSchema, EventTypeSchema, RecordedSchema
from web.auth import permissions
from web.auth.permissions import READ
from web.services import careplan


def record_rows(history: list[Fact]) -> list[dict[str, Any]]:
    """History entries as ``EventRecordSchema`` dumps them, each marked if later entered in error."""
    wrong = History(history).errored
    return [
        {
            "version": f.version,
            "type": f.type,
            "occurred_at": f.occurred_at,
            "recorded_at": f.recorded_at,
            "actor": f.actor.as_dict(),
            "reason": f.reason,
            "data": f.data,
            "entered_in_error": f.version in wrong,
            "deviation": f.deviation,
            "deviated": list(f.deviated),
        }
        for f in history
    ]


@blp.route("/journeys/<uuid:journey_id>/events")
class JourneyEvents(MethodView):
    @permit(READ, "read journeys")
    @blp.response(200, EventRecordSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="No such journey")
    def get(self, journey_id: UUID) -> list[dict[str, Any]]:
        """Every event of the journey, oldest first, with who, when (clinical and recorded) and why."""
        return record_rows(careplan().history(journey_id))

    @permit_recording
    @blp.arguments(EventSubmissionSchema)
    @blp.response(201, RecordedSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such journey")
    @blp.alt_response(409, schema=ErrorSchema, description="expected_version is not the current version")
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid fields, or a protocol rule refuses the event")
    def post(self, submission: EventSubmission, journey_id: UUID) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Records an event; a protocol rule that refuses it answers 422 with the rule's code."""
        app, actor = careplan(), caller()
        # Who may correct what is the domain's rule, judged in the same save (CorrectionNotAllowed: 403).
        recorded = app.record_facts(
            journey_id,
            submission.type,
            submission.data,
            actor=actor,
            occurred_at=submission.occurred_at,
            reason=submission.reason,
            expected_version=submission.expected_version,
            deviation=submission.deviation,
        )
        location = url_for("api.Journey", journey_id=journey_id)
        body = {"journey_id": journey_id, "version": recorded[-1].version, "recorded": record_rows(recorded)}
        return body, 201, {"Location": location}


@blp.route("/event-types")
class EventTypes(MethodView):
    @permit(READ, "read event types")
    @blp.response(200, EventTypeSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """The event types people record, the roles that may record each, and each one's data fields."""
        actor = caller()
        return [
            {
                "type": name,
                "reason_required": name in REASON_REQUIRED,
                "recordable_by": list(permissions.roles_recording(name)),
                "allowed": permissions.may_record(actor, name),
                "fields_": [
                    {"name": field.data_key or key, "required": field.required}
                    for key, field in DATA_SCHEMAS[name]().fields.items()
                ],
                "data_schema": f"#/components/schemas/{name}Data",
            }
            for name in CLINICIAN_EVENTS
        ]
