"""One schema per event type's ``data``, and ``DATA_SCHEMAS``, the table the interface looks them up in.

Fields and ranges are the contract of docs/contract.md section 3. They are declared once, on each event's
payload class in the domain; the schema is made from it (``events.schemas.generated``), named after its
event type plus ``Data``. Three are still written here by hand (``HAND_WRITTEN`` says why).
"""

from __future__ import annotations

from marshmallow import Schema, fields

from careplan.domain.catalogue import CLINICIAN_EVENTS, EVENT_TYPES
from careplan.domain.codes import RiskLevel, values
from events.schemas.assessment import AssessmentRecordedData
from events.schemas.common import DEFAULT_PROTOCOL_ID, EventDataSchema, WholeNumber, between, identifier
from events.schemas.generated import data_schema
from events.schemas.infusion import InfusionCompletedData


class JourneyOpenedData(EventDataSchema):
    patient_ref = identifier(required=True)
    protocol = identifier(load_default=DEFAULT_PROTOCOL_ID)
    protocol_version = WholeNumber(validate=between(1, 10_000))
    previous_journey_id = fields.UUID(allow_none=True)  # DESIGN 6.2: the course this one follows


RISK_LEVELS = values(RiskLevel)


HAND_WRITTEN: dict[str, type[Schema]] = {
    "JourneyOpened": JourneyOpenedData,
    "AssessmentRecorded": AssessmentRecordedData,
    "InfusionCompleted": InfusionCompletedData,
}
"""The schemas still written by hand: the opening (its journey id is a UUID field) and two whose OpenAPI
output would gain a ``maxItems`` the domain has always checked, so that the document stays as it was.
Every other event type's schema is made from its payload class (``events.schemas.generated``)."""


def _schemas() -> dict[str, type[Schema]]:
    """One schema per event type a person records (and the opening), in the vocabulary's order."""
    return {"JourneyOpened": JourneyOpenedData} | {
        name: HAND_WRITTEN.get(name) or data_schema(EVENT_TYPES[name]) for name in CLINICIAN_EVENTS
    }


DATA_SCHEMAS: dict[str, type[Schema]] = _schemas()
