"""``/journeys/{id}/patient``: who the patient of a journey is (DESIGN 7.3).

The journey's id is the only thing in the URL: the patient's reference, name or date of birth never
go into one (URLs are logged). Every role reads; clinicians and coordinators write, and the domain
says so too (``careplan.domain.patient``), so no other entry point can bypass it. A read is recorded
in the access log like every read of a journey (its route and the journey id, never the details).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from careplan.domain import patient
from careplan.patients import Patients
from web.api.auth import caller, forbid, permit
from web.api.blueprint import blp
from web.api.schemas import ErrorSchema
from web.auth.permissions import READ
from web.services import careplan


class PatientDetailsSchema(Schema):
    """The edge's parse of the details; the domain checks them again whoever sends them."""

    name = fields.String(allow_none=True, validate=validate.Length(max=patient.MAX_NAME))
    birth_date = fields.Date(allow_none=True, metadata={"description": "YYYY-MM-DD"})
    allergies = fields.List(
        fields.String(validate=validate.Length(min=1, max=patient.MAX_ALLERGY)),
        load_default=list,
        validate=validate.Length(max=patient.MAX_ALLERGIES),
    )
    phone = fields.String(allow_none=True, validate=validate.Length(max=patient.MAX_PHONE))
    email = fields.String(allow_none=True, validate=validate.Length(max=patient.MAX_EMAIL))


def as_json(details: patient.PatientDetails) -> dict[str, Any]:
    """The details as the schema dumps them (the date as a date, which it writes as YYYY-MM-DD)."""
    return {**details.as_data(), "birth_date": details.birth_date}


@blp.route("/journeys/<uuid:journey_id>/patient")
class JourneyPatient(MethodView):
    @permit(READ, "read patients")
    @blp.response(200, PatientDetailsSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such journey")
    def get(self, journey_id: UUID) -> dict[str, Any]:
        """The details of the journey's patient: name, date of birth, allergies, phone, email (each may be null)."""
        return as_json(Patients(careplan()).details(journey_id))

    @blp.arguments(PatientDetailsSchema)
    @blp.response(200, PatientDetailsSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="Only clinicians and coordinators record details")
    @blp.alt_response(404, schema=ErrorSchema, description="No such journey")
    def put(self, body: dict[str, Any], journey_id: UUID) -> dict[str, Any]:
        """Records the patient's details as a whole: a field left out is cleared."""
        actor = caller()
        if not patient.may_record_details(actor.role):
            forbid("record a patient's details")
        return as_json(Patients(careplan()).record(journey_id, body, actor=actor))
