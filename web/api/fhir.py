"""``/journeys/{id}/fhir``: the journey as a FHIR R4 Bundle (CarePlan, Tasks, Observations, Provenance).

The same query as the journey's state (``as_of`` or ``version``) gives the bundle of a past state. The
bundle is built by :mod:`events.fhir`; the patient appears in it by identifier only.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from marshmallow import Schema, fields

from events.fhir import loaded_bundle
from web.api.auth import permit
from web.api.blueprint import blp
from web.api.past import journey_at
from web.api.schemas import ErrorSchema, JourneyStateQuery
from web.auth.permissions import READ
from web.services import careplan


class FhirBundleSchema(Schema):
    """A FHIR R4 Bundle of type collection; each entry holds one resource (see hl7.org/fhir/R4)."""

    resourceType = fields.String(required=True, metadata={"example": "Bundle"})
    id = fields.String(required=True)
    type = fields.String(required=True, metadata={"example": "collection"})
    timestamp = fields.String(required=True, metadata={"description": "When the state was judged (ISO 8601)."})
    entry = fields.List(fields.Dict(), required=True, metadata={"description": "{fullUrl, resource} per resource."})


@blp.route("/journeys/<uuid:journey_id>/fhir")
class JourneyFhir(MethodView):
    @permit(READ, "read journeys")
    @blp.arguments(JourneyStateQuery, location="query")
    @blp.response(200, FhirBundleSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such journey (or not yet recorded at as_of)")
    def get(self, query: dict[str, Any], journey_id: UUID) -> dict[str, Any]:
        """The journey (now, at ``version`` or as known at ``as_of``) as a FHIR R4 Bundle."""
        return loaded_bundle(careplan(), *journey_at(journey_id, query))
