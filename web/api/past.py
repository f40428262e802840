"""A journey now, at a version, or as known at a moment: the one query behind ``/journeys/{id}`` and
``/journeys/{id}/fhir``, with the same answers when the past asked for does not exist."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import abort

from careplan.domain.errors import UnknownJourney
from careplan.domain.journey import PatientJourney
from careplan.domain.view import JourneyView
from web.services import careplan


def journey_at(journey_id: UUID, query: dict[str, Any]) -> tuple[PatientJourney, JourneyView]:
    """A version the journey has not reached is a 422 on that field; a moment before the journey was
    recorded is a 404 ``not_yet_recorded``; an unknown journey is the usual 404."""
    app = careplan()
    version = query.get("version")
    if version is not None and version > app.get(journey_id).version:
        abort(422, errors={"version": [f"The journey has no version {version} yet."]})
    try:
        return app.view(journey_id, version=version, as_of=query.get("as_of"))
    except UnknownJourney:
        if query.get("as_of") is None:
            raise
        abort(404, code="not_yet_recorded", message="The journey was not yet recorded at that moment.")
        raise  # abort raises: never reached
