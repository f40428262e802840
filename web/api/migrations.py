"""``POST /journeys/{id}/migrations``: move a journey to another version of its protocol (DESIGN 7.6).

The domain judges it (``PatientJourney.migrate``): this door reads the body and answers. A dry run
answers 200 with the report of what would change (saying whether the real one needs ``confirm``);
a migration answers 201 with the ``ProtocolMigrated`` recorded and its report; one that would lower
a guard on care without ``confirm`` is 422 ``migration_needs_confirmation`` with the report.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from events.schemas.common import Text, WholeNumber
from events.schemas.records import EventRecordSchema
from web.api.auth import caller, permit
from web.api.blueprint import blp
from web.api.events import record_rows
from web.api.schemas import ErrorSchema
from web.auth.permissions import READ
from web.services import careplan


class MigrationRequestSchema(Schema):
    to_version = WholeNumber(required=True, strict=True, validate=validate.Range(min=1, max=10_000))
    reason = Text(max_length=2000, required=True)
    dry_run = fields.Boolean(load_default=False)
    confirm = fields.Boolean(load_default=False)


class ChangeSchema(Schema):
    kind = fields.String(required=True)
    subject = fields.String(required=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    sentence = fields.String(required=True)
    needs_confirmation = fields.Boolean(required=True)


class MigrationReportSchema(Schema):
    protocol = fields.String(required=True)
    from_version = fields.Integer(required=True)
    to_version = fields.Integer(required=True)
    judged_at = fields.String(required=True)
    needs_confirmation = fields.Boolean(required=True)
    changes = fields.List(fields.Nested(ChangeSchema), required=True)


class MigrationAnswerSchema(Schema):
    journey_id = fields.UUID(required=True)
    dry_run = fields.Boolean(required=True)
    version = fields.Integer(required=True, metadata={"description": "The journey's version after the answer."})
    report = fields.Nested(MigrationReportSchema, required=True)
    recorded = fields.List(fields.Nested(EventRecordSchema), metadata={"description": "The ProtocolMigrated (201)."})


@blp.route("/journeys/<uuid:journey_id>/migrations")
class JourneyMigrations(MethodView):
    @permit(READ, "migrate journeys")
    @blp.arguments(MigrationRequestSchema)
    @blp.response(201, MigrationAnswerSchema)
    @blp.alt_response(200, schema=MigrationAnswerSchema, description="The dry run's report (nothing recorded)")
    @blp.alt_response(403, schema=ErrorSchema, description="Only clinicians (and admins) migrate journeys")
    @blp.alt_response(404, schema=ErrorSchema, description="No such journey")
    @blp.alt_response(
        422, schema=ErrorSchema,
        description="Invalid fields, journey_closed, migration_needs_confirmation (with the report), unknown_protocol",
    )
    def post(self, body: dict[str, Any], journey_id: UUID) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Migrates the journey to ``to_version`` (newer or older), or with ``dry_run`` reports what would change."""
        app, actor = careplan(), caller()
        to, reason = body["to_version"], body["reason"]
        if body["dry_run"]:
            report = app.migration_report(journey_id, to, actor=actor, reason=reason)
            answer = {"journey_id": journey_id, "dry_run": True, "version": app.get(journey_id).version}
            return {**answer, "report": report.as_dict()}, 200, {}
        version, report = app.migrate_with_report(journey_id, to, actor=actor, reason=reason, confirm=body["confirm"])
        recorded = [f for f in app.history(journey_id, upto=version) if f.version == version]
        answer = {"journey_id": journey_id, "dry_run": False, "version": version, "recorded": record_rows(recorded)}
        return {**answer, "report": report.as_dict()}, 201, {"Location": url_for("api.Journey", journey_id=journey_id)}
