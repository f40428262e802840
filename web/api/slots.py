"""``/journeys/{id}/slots``: the next appointment times a journey may be booked into.

Times go out on the clinic's wall clock with its offset (``2026-03-09T10:00:00-04:00``), which is the
same instant as UTC but reads as the coordinator will say it on the phone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from careplan.domain.booking import DEFAULT_DURATION_MIN, DURATION_MIN, SEARCH_DAYS
from careplan.domain.slots import free_slots
from events.schemas.common import UtcDateTime, WholeNumber, between
from web.api.auth import permit
from web.api.blueprint import blp
from web.api.schemas import ErrorSchema
from web.auth.permissions import READ
from web.clinic import the_clinic
from web.services import careplan

MAX_SLOTS = 50


class SlotQuery(Schema):
    after = UtcDateTime(
        metadata={"description": "Slots starting at or after this moment (with an offset); default now."}
    )
    limit = WholeNumber(load_default=5, validate=validate.Range(min=1, max=MAX_SLOTS))
    duration_min = WholeNumber(load_default=DEFAULT_DURATION_MIN, validate=between(*DURATION_MIN))


class SlotSchema(Schema):
    start = fields.String(required=True, metadata={"description": "ISO 8601 on the clinic's clock, with offset."})
    end = fields.String(required=True, metadata={"description": "ISO 8601 on the clinic's clock, with offset."})
    chair = fields.Integer(required=True)


@blp.route("/journeys/<uuid:journey_id>/slots")
class Slots(MethodView):
    @permit(READ, "read journeys")
    @blp.arguments(SlotQuery, location="query", as_kwargs=True)
    @blp.response(200, SlotSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="No such journey")
    def get(
        self, journey_id: UUID, limit: int, duration_min: int, after: datetime | None = None
    ) -> list[dict[str, Any]]:
        """The next free slots: inside opening hours, on a free chair, allowed by the journey's spacing
        (``induction.min_spacing_hours`` after the last infusion) and window (``induction.window_days``
        from the series' first infusion). Book one with ``InfusionScheduled`` and its ``chair``."""
        app = careplan()
        clinic = the_clinic()
        journey = app.get(journey_id)
        start = after or app.clock()
        taken = [b for b, _, _ in app.chairs.between(start, start + timedelta(days=SEARCH_DAYS + 1))]
        slots = free_slots(clinic, journey.clinical_record(app.protocol), taken, start, limit, duration_min)
        return [
            {"start": clinic.local(s.start).isoformat(), "end": clinic.local(s.end).isoformat(), "chair": s.chair}
            for s in slots
        ]
