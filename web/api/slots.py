"""``/journeys/{id}/slots``: the next appointment times a journey may be booked into, one by one or as
a series (``?series=N``: N starts that together keep spacing, window, hours and free chairs, DESIGN 7.2).

Times go out on the clinic's wall clock with its offset (``2026-03-09T10:00:00-04:00``), which is the
same instant as UTC but reads as the coordinator will say it on the phone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from careplan.domain.booking import DEFAULT_DURATION_MIN, DURATION_MIN, SEARCH_DAYS
from careplan.domain.slots import free_slots, series_slots
from careplan.domain.vocabulary import INFUSION_PHASES
from careplan.series import MAX_SERIES
from events.schemas.common import UtcDateTime, WholeNumber, between, code
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
    series = WholeNumber(
        validate=validate.Range(min=1, max=MAX_SERIES),
        metadata={"description": "Propose this many starts that together keep the rules (``limit`` is then ignored)."},
    )
    phase = code(INFUSION_PHASES, metadata={"description": "The series' phase; default the journey's current one."})


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
    @blp.alt_response(422, schema=ErrorSchema, description="Bad query, or the series does not fit")
    def get(
        self,
        journey_id: UUID,
        limit: int,
        duration_min: int,
        after: datetime | None = None,
        series: int | None = None,
        phase: str | None = None,
    ) -> list[dict[str, Any]]:
        """The next free slots: inside opening hours, on a free chair, where the timing rules of an
        infusion at that start would accept it with the journey's open bookings counted as given: the
        spacing (``induction.min_spacing_hours``, start to start), the 24 h floor from the previous
        administration's end, the induction window (``induction.window_days``). With ``series=N``, N
        starts that keep all of that together (422 ``series_does_not_fit`` when fewer fit); book them
        with ``POST /journeys/{id}/bookings``, or one with ``InfusionScheduled`` and its ``chair``."""
        app = careplan()
        clinic = the_clinic()
        journey = app.get(journey_id)
        now = app.clock()
        start = after or now
        taken = [b for b, _, _ in app.chairs.between(start, start + timedelta(days=SEARCH_DAYS + 1))] if app.chairs else []
        record = journey.clinical_record(app.protocol)
        if series is None:
            slots = free_slots(clinic, record, taken, start, limit, duration_min, phase, now)
        else:
            slots = series_slots(clinic, record, taken, start, series, duration_min, phase, now)
            if len(slots) < series:
                abort(
                    422,
                    code="series_does_not_fit",
                    message=f"Only {len(slots)} of {series} infusions fit the spacing, the window, the clinic's "
                    f"hours and its free chairs from then: book fewer, or review the response.",
                )
        return [
            {"start": clinic.local(s.start).isoformat(), "end": clinic.local(s.end).isoformat(), "chair": s.chair}
            for s in slots
        ]
