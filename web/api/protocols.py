"""``/protocols`` and ``/protocols/{id}/{version}``: the plan definitions the clinic runs (DESIGN 7.6).

Every version stays listed for as long as journeys may refer to it. One version answers as its JSON
document (the protocol file's form, every setting the engine reads) or, with ``?format=fhir``, as a
FHIR R4 PlanDefinition.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from careplan.domain.errors import UnknownProtocol
from events.fhir.plan_definition import plan_definition
from events.protocol_view import document, summary
from web.api.auth import permit
from web.api.blueprint import blp
from web.api.schemas import ErrorSchema
from web.auth.permissions import READ
from web.services import careplan


class ProtocolSummarySchema(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    steps = fields.List(fields.String(), required=True)
    opens_new_journeys = fields.Boolean(
        required=True, metadata={"description": "Whether a journey opened without a version opens on this one."}
    )


class ProtocolQuery(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "fhir")))


@blp.route("/protocols")
class Protocols(MethodView):
    @permit(READ, "read protocols")
    @blp.response(200, ProtocolSummarySchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Every protocol version the clinic runs, oldest first."""
        registry = careplan().protocols
        rows = []
        for protocol in registry:
            opening = registry.opening(protocol.id)
            rows.append({**summary(protocol), "opens_new_journeys": opening.key == protocol.key})
        return rows


@blp.route("/protocols/<string:protocol_id>/<int:version>")
class ProtocolVersion(MethodView):
    @permit(READ, "read protocols")
    @blp.arguments(ProtocolQuery, location="query", as_kwargs=True)
    @blp.response(200, description="The protocol's JSON document, or a FHIR R4 PlanDefinition with format=fhir")
    @blp.alt_response(404, schema=ErrorSchema, description="No such protocol version")
    def get(self, protocol_id: str, version: int, format: str) -> dict[str, Any]:
        """One protocol version: its JSON document, or (``format=fhir``) a FHIR R4 PlanDefinition."""
        try:
            protocol = careplan().protocols.get(protocol_id, version)
        except KeyError:
            abort(404, code="unknown_protocol", message=str(UnknownProtocol(protocol_id, version)))
        return plan_definition(protocol) if format == "fhir" else document(protocol)
