"""``/journeys``: open a journey, list journeys, and one journey's state now or at a past moment."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import url_for
from flask.views import MethodView

from events.schemas import JourneyOpening, JourneyOpenSchema
from events.schemas.state import JourneyStateSchema, journey_state
from web.api import reading
from web.api.auth import caller, permit
from web.api.blueprint import blp
from web.api.past import journey_at
from web.api.schemas import ErrorSchema, JourneyCreatedSchema, JourneyListQuery, JourneyStateQuery, JourneySummarySchema
from web.auth.permissions import OPEN_JOURNEY, READ
from web.services import careplan


@blp.route("/journeys")
class Journeys(MethodView):
    @permit(READ, "read journeys")
    @blp.arguments(JourneyListQuery, location="query", as_kwargs=True)
    @blp.response(200, JourneySummarySchema(many=True))
    @blp.paginate(page_size=50, max_page_size=500)
    def get(self, pagination_parameters: Any, status: str | None = None, step: str | None = None) -> list[dict[str, Any]]:
        """Journeys, newest first, one summary each; ``page`` and ``page_size``, totals in X-Pagination."""
        p = pagination_parameters
        page = reading.journey_page(careplan(), p.first_item, p.page_size, status=status, step=step)
        p.item_count = page.total
        return [reading.summary_row(s) for s in page.items]

    @permit(OPEN_JOURNEY, "open journeys")
    @blp.arguments(JourneyOpenSchema)
    @blp.response(201, JourneyCreatedSchema)
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid fields, or an unknown protocol")
    @blp.alt_response(409, schema=ErrorSchema, description="journey_exists: the reference has an open journey (journey_id)")
    def post(self, opening: JourneyOpening) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Opens a journey on a protocol (default ketamine-trd, its latest version)."""
        journey_id = careplan().open_journey(
            opening.patient_ref,
            actor=caller(),
            protocol_id=opening.protocol,
            protocol_version=opening.protocol_version,
            occurred_at=opening.occurred_at,
            reason=opening.reason,
            previous_journey_id=opening.previous_journey_id,
        )
        location = url_for("api.Journey", journey_id=journey_id)
        version = careplan().get(journey_id).version  # more than 1 when alerts came from the previous course
        return {"id": journey_id, "version": version}, 201, {"Location": location}


@blp.route("/journeys/<uuid:journey_id>")
class Journey(MethodView):
    @permit(READ, "read journeys")
    @blp.arguments(JourneyStateQuery, location="query")
    @blp.response(200, JourneyStateSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such journey (or not yet recorded at as_of)")
    def get(self, query: dict[str, Any], journey_id: UUID) -> dict[str, Any]:
        """The journey's state now, as it was known at ``as_of``, or at ``version``."""
        return journey_state(*journey_at(journey_id, query))
