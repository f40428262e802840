"""``POST /journeys/{id}/bookings``: a series of infusion bookings, all of them or none (DESIGN 7.2).

The body is ``{"phase", "bookings": [{"start", "chair", "duration_min"?}, ...]}`` (starts with an
offset, as ``/slots?series=N`` proposes them); optional ``deviation`` (a reason that waives the
deviable timing rules for every booking) and ``expected_version``. One save: a refusal names the
booking by its 0-based ``index`` beside the rule's ``code``, and nothing is written.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import url_for
from flask.views import MethodView
from marshmallow import Schema, fields, post_load, validate

from careplan.domain.booking import DURATION_MIN, MAX_CHAIR
from careplan.domain.vocabulary import INFUSION_PHASES
from careplan.series import MAX_SERIES, Wanted, book_series
from events.schemas.common import Text, UtcDateTime, WholeNumber, between, code
from events.schemas.submission import REASON_MAX
from web.api.auth import caller, forbid
from web.api.blueprint import blp
from web.api.events import record_rows
from web.api.schemas import ErrorSchema, RecordedSchema
from web.auth import permissions
from web.services import careplan


class WantedSchema(Schema):
    start = UtcDateTime(required=True, metadata={"description": "The infusion's start, ISO 8601 with offset."})
    chair = WholeNumber(required=True, validate=between(1, MAX_CHAIR))
    duration_min = WholeNumber(validate=between(*DURATION_MIN), metadata={"description": "Default 60."})

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> Wanted:
        return Wanted(data["start"], data["chair"], data.get("duration_min"))


class SeriesSchema(Schema):
    phase = code(INFUSION_PHASES, required=True)
    bookings = fields.List(
        fields.Nested(WantedSchema), required=True, validate=validate.Length(min=1, max=MAX_SERIES)
    )
    deviation = Text(max_length=REASON_MAX, allow_none=True)
    expected_version = WholeNumber(allow_none=True, validate=validate.Range(min=1))


@blp.route("/journeys/<uuid:journey_id>/bookings")
class Bookings(MethodView):
    @blp.arguments(SeriesSchema)
    @blp.response(201, RecordedSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="The role may not book infusions")
    @blp.alt_response(404, schema=ErrorSchema, description="No such journey")
    @blp.alt_response(409, schema=ErrorSchema, description="A chair is taken (with index), or a version conflict")
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid fields, or a rule refuses a booking (with index)")
    def post(self, body: dict[str, Any], journey_id: UUID) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Books every infusion of the series or none, in one save; each judged with the ones before it
        counted as open bookings. A refusal is the rule's ``code`` with the booking's ``index``."""
        actor = caller()
        if not permissions.may_record(actor, "InfusionScheduled"):
            forbid("record InfusionScheduled")
        recorded = book_series(
            careplan(),
            journey_id,
            body["phase"],
            body["bookings"],
            actor=actor,
            deviation=(body.get("deviation") or "").strip() or None,
            expected_version=body.get("expected_version"),
        )
        location = url_for("api.Journey", journey_id=journey_id)
        answer = {"journey_id": journey_id, "version": recorded[-1].version, "recorded": record_rows(recorded)}
        return answer, 201, {"Location": location}
