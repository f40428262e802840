"""``/journeys/{id}/fhir``: the journey as a FHIR R4 Bundle (CarePlan, Tasks, Observations, Provenance).

The same query as the journey's state (``as_of`` or ``version``) gives the bundle of a past state. The
bundle is built by :mod:`events.fhir`; the patient appears in it by identifier only.

``bundle=transaction`` answers a JSON list of transaction Bundles that a FHIR server imports, in
import order (DESIGN 7.9): the first holds the Patient's conditional update (with the name and birth
date when recorded), the others PUT every resource under its stable id (``events.fhir.transaction``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, jsonify
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from events.fhir import loaded_bundle, loaded_transaction
from events.read.collection import collection_paused
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


class FhirQuery(JourneyStateQuery):
    bundle = fields.String(
        validate=validate.OneOf(("collection", "transaction")),
        metadata={"description": "collection (default): one Bundle; transaction: a list of transaction Bundles to import."},
    )


_BUNDLE = {
    "type": "object",
    "required": ["resourceType", "id", "type", "entry"],
    "properties": {
        "resourceType": {"type": "string", "example": "Bundle"},
        "id": {"type": "string"},
        "type": {"type": "string", "enum": ["collection", "transaction"]},
        "timestamp": {"type": "string"},
        "entry": {"type": "array", "items": {"type": "object"}},
    },
}
_ANSWER = {
    "description": "A FHIR R4 Bundle of type collection; with bundle=transaction, a list of transaction Bundles "
    "in import order (the first holds the Patient's conditional update).",
    "content": {"application/json": {"schema": {"oneOf": [_BUNDLE, {"type": "array", "items": _BUNDLE}]}}},
}


@blp.route("/journeys/<uuid:journey_id>/fhir")
class JourneyFhir(MethodView):
    @permit(READ, "read journeys")
    @blp.arguments(FhirQuery, location="query")
    @blp.response(200)
    @blp.doc(responses={"200": _ANSWER})
    @blp.alt_response(404, schema=ErrorSchema, description="No such journey (or not yet recorded at as_of)")
    def get(self, query: dict[str, Any], journey_id: UUID) -> Response:
        """The journey (now, at ``version`` or as known at ``as_of``) as a FHIR R4 Bundle, or as the
        transaction Bundles a FHIR server imports (``bundle=transaction``)."""
        state = journey_at(journey_id, query)
        if query.get("bundle") == "transaction":
            with collection_paused():
                return jsonify(loaded_transaction(careplan(), *state))
        return jsonify(FhirBundleSchema().dump(loaded_bundle(careplan(), *state)))
