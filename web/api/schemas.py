"""Schemas of the API's own envelopes: query strings, errors, list rows and write receipts.

The bodies people send are the interface layer's schemas (``events.schemas``); these only describe
what the API adds around them, so the OpenAPI document and the answers come from the same classes.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from careplan.domain.vocabulary import STEPS
from events.read.queries import MAX_LIMIT
from events.read.summary import WORKLISTS
from events.schemas.common import UtcDateTime, WholeNumber
from events.schemas.records import EventRecordSchema
from events.schemas.state import FlagSchema, ProtocolRefSchema

JOURNEY_STATUSES = ("active", "paused", "closed")


class ErrorSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Stable code: a rule's code, validation_failed, ..."})
    message = fields.String(required=True, metadata={"description": "A sentence that says why."})
    errors = fields.Raw(metadata={"description": "Field-level messages, keyed like the request body."})
    current_version = fields.Integer(metadata={"description": "On 409: the journey's version to retry on."})
    index = fields.Integer(
        metadata={"description": "On a refused series of bookings: the 0-based index of the booking refused."}
    )
    journey_id = fields.UUID(
        metadata={
            "description": "On 409 journey_exists: the id of the patient reference's journey that is not closed "
            "(open it, or close it before a new course)."
        }
    )
    report = fields.Dict(
        metadata={"description": "On 422 migration_needs_confirmation: the migration's report (what it would change)."}
    )


class JourneyStateQuery(Schema):
    as_of = UtcDateTime(metadata={"description": "The state as it was known at this moment (recorded time)."})
    version = WholeNumber(validate=validate.Range(min=1), metadata={"description": "The state at this version."})

    @validates_schema
    def _one_of(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "as_of" in data and "version" in data:
            raise ValidationError("Give as_of or version, not both.", "version")


class JourneyListQuery(Schema):
    status = fields.String(validate=validate.OneOf(JOURNEY_STATUSES))
    step = fields.String(validate=validate.OneOf(STEPS), metadata={"description": "Journeys whose current step is this."})


class WorklistQuery(Schema):
    name = fields.String(validate=validate.OneOf(WORKLISTS), metadata={"description": "Only this worklist."})
    step = fields.String(validate=validate.OneOf(STEPS), metadata={"description": "Only entries about this step."})
    offset = WholeNumber(load_default=0, validate=validate.Range(min=0))
    limit = WholeNumber(load_default=25, validate=validate.Range(min=1, max=MAX_LIMIT))


class JourneyCreatedSchema(Schema):
    id = fields.UUID(required=True)
    version = fields.Integer(required=True)


class RecordedSchema(Schema):
    journey_id = fields.UUID(required=True)
    version = fields.Integer(required=True, metadata={"description": "The journey's version after the write."})
    recorded = fields.List(
        fields.Nested(EventRecordSchema),
        metadata={"description": "The events this write recorded (the submitted one, then any alert it raised)."},
    )


class StepRowSchema(Schema):
    status = fields.String()
    due_at = UtcDateTime(allow_none=True)
    flags = fields.List(fields.Nested(FlagSchema))


class JourneySummarySchema(Schema):
    id = fields.UUID(required=True)
    patient_ref = fields.String(required=True)
    protocol = fields.Nested(ProtocolRefSchema)
    version = fields.Integer()
    status = fields.String()
    opened_at = UtcDateTime()
    updated_at = UtcDateTime()
    current_step = fields.String(allow_none=True)
    steps = fields.Dict(keys=fields.String(), values=fields.Nested(StepRowSchema))
    induction_done = fields.Integer()
    induction_target = fields.Integer()
    maintenance_done = fields.Integer()
    open_alerts = fields.Integer()
    classification = fields.String(allow_none=True)
    next_action = fields.String(allow_none=True)
    next_due_at = UtcDateTime(allow_none=True)


class WorklistEntrySchema(JourneySummarySchema):
    note = fields.String(allow_none=True, metadata={"description": "Why the journey is on the list."})


class WorklistSchema(Schema):
    total = fields.Integer()
    offset = fields.Integer()
    limit = fields.Integer()
    items = fields.List(fields.Nested(WorklistEntrySchema))


class WorklistsSchema(Schema):
    as_of = UtcDateTime(required=True)
    worklists = fields.Dict(keys=fields.String(), values=fields.Nested(WorklistSchema))


class DataFieldSchema(Schema):
    name = fields.String()
    required = fields.Boolean()


class EventTypeSchema(Schema):
    type = fields.String(required=True)
    reason_required = fields.Boolean()
    recordable_by = fields.List(fields.String())
    allowed = fields.Boolean(metadata={"description": "Whether the caller's role may record it."})
    fields_ = fields.List(fields.Nested(DataFieldSchema), data_key="fields")
    data_schema = fields.String(metadata={"description": "Reference to the data schema in this document."})
