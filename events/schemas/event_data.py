"""One schema per event type's ``data``, and ``DATA_SCHEMAS``, the table the interface looks them up in.

Fields and ranges are the contract of docs/contract.md section 3. Each schema class is named after its event
type plus ``Data``; the table is built from those names and checked against the vocabulary at import,
so a clinician event without a schema (or a schema for a type that does not exist) fails at once.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from careplan.domain.vocabulary import (
    ADHERENCE,
    ALL_EVENTS,
    CARE_AREAS,
    CLINICIAN_EVENTS,
    DECISIONS,
    OUTCOMES,
)
from events.schemas.assessment import AssessmentRecordedData
from events.schemas.common import (
    DEFAULT_PROTOCOL_ID,
    EventDataSchema,
    Text,
    WholeNumber,
    between,
    code,
    identifier,
    unique,
)
from events.schemas.infusion import (
    DischargeAssessedData,
    HoldOverriddenData,
    InfusionCancelledData,
    InfusionCompletedData,
    InfusionHeldData,
    InfusionScheduledData,
    InfusionStoppedData,
    VitalsRecordedData,
)
from events.schemas.limits import DIAZEPAM_EQ_MG, MAINTENANCE_WEEKS


class JourneyOpenedData(EventDataSchema):
    patient_ref = identifier(required=True)
    protocol = identifier(load_default=DEFAULT_PROTOCOL_ID)
    protocol_version = WholeNumber(validate=between(1, 10_000))
    previous_journey_id = fields.UUID(allow_none=True)  # DESIGN 6.2: the course this one follows


class ConsultationCompletedData(EventDataSchema):
    eligible = fields.Boolean(required=True)
    prior_antidepressant_trials = WholeNumber(required=True, validate=between(0, 50))
    psychotherapy_tried = fields.Boolean(required=True)
    goals = Text(max_length=4000)


class MedicationSchema(EventDataSchema):
    name = Text(max_length=200, required=True)
    dose = Text(max_length=200)
    drug_class = Text(max_length=200)


class MedicationReviewedData(EventDataSchema):
    medications = fields.List(fields.Nested(MedicationSchema), required=True, validate=validate.Length(max=100))
    benzodiazepine_diazepam_eq_mg = fields.Float(required=True, validate=between(*DIAZEPAM_EQ_MG))
    taper_required = fields.Boolean(required=True)


FINDING_CODE = validate.Regexp(r"[a-z][a-z0-9_]{0,63}\Z", error="Must be a lower-case finding code such as 'liver_failure'.")


class ContraindicationScreenedData(EventDataSchema):
    """Findings are the journey's protocol's codes: the rule checks them (``unknown_finding``)."""

    findings = fields.List(fields.String(validate=FINDING_CODE), required=True, validate=[unique, validate.Length(max=20)])


class ContraindicationOverriddenData(EventDataSchema):
    finding = fields.String(validate=FINDING_CODE, required=True)


PANEL_CODE = validate.Regexp(r"[a-z][a-z0-9_]{0,63}\Z", error="Must be a lower-case panel code such as 'thyroid'.")


class ScreeningOrderedData(EventDataSchema):
    """Panels are the journey's protocol's codes (``lab_panels``): the rule checks them (``unknown_panel``)."""

    panel = fields.String(validate=PANEL_CODE, required=True)


class ScreeningResultedData(EventDataSchema):
    panel = fields.String(validate=PANEL_CODE, required=True)
    abnormal = fields.Boolean(required=True)
    values = fields.Dict(
        keys=fields.String(
            validate=[
                validate.Length(min=1, max=64),
                validate.Regexp(r"[^\x00-\x1f\x7f]+\Z", error="A value's name may not contain control characters."),
            ]
        ),
        values=fields.Float(allow_nan=False),
        load_default=dict,
        validate=validate.Length(max=100),
    )


class ResponseReviewedData(EventDataSchema):
    decision = code(DECISIONS, required=True)


class MaintenanceIntervalSetData(EventDataSchema):
    weeks = WholeNumber(required=True, validate=between(*MAINTENANCE_WEEKS))


class ComplementaryCareGuidanceGivenData(EventDataSchema):
    area = code(CARE_AREAS, required=True)
    guidance = Text(max_length=4000, required=True)


class ComplementaryCareCheckInData(EventDataSchema):
    area = code(CARE_AREAS, required=True)
    adherence = code(ADHERENCE, required=True)
    notes = Text(max_length=4000)


class NoteAddedData(EventDataSchema):
    text = Text(max_length=4000, required=True)


class EventEnteredInErrorData(EventDataSchema):
    target_version = WholeNumber(required=True, validate=validate.Range(min=1))


class JourneyPausedData(EventDataSchema):
    """No fields: the why goes in the event's ``reason``."""


class JourneyResumedData(EventDataSchema):
    """No fields."""


class JourneyClosedData(EventDataSchema):
    outcome = code(OUTCOMES, required=True)


class ConsentRecordedData(EventDataSchema):
    """Informed consent (DESIGN 7.6): the form's own version as printed (a string), signed or not."""

    form_version = Text(max_length=64, required=True)
    signed = fields.Boolean(required=True)
    witness = Text(max_length=200)


RISK_LEVELS = ("low", "moderate", "high")


class SafetyAlertAcknowledgedData(EventDataSchema):
    alert_version = WholeNumber(required=True, validate=validate.Range(min=1))
    # DESIGN 6.2: an alert is worked with a risk assessment and a plan (``high`` keeps infusions refused)
    risk_assessment = code(RISK_LEVELS, required=True)
    plan = Text(max_length=2000, required=True)


def _by_event_type(*schemas: type[Schema]) -> dict[str, type[Schema]]:
    """Keys the schemas by event type, refusing a gap or a stray name against the vocabulary."""
    table = {schema.__name__.removesuffix("Data"): schema for schema in schemas}
    stray = set(table) - set(ALL_EVENTS)
    missing = set(CLINICIAN_EVENTS) - set(table)
    if stray or missing:
        raise LookupError(f"event data schemas out of step with the vocabulary: {stray=} {missing=}")
    return table


DATA_SCHEMAS: dict[str, type[Schema]] = _by_event_type(
    JourneyOpenedData,
    ConsultationCompletedData,
    MedicationReviewedData,
    ContraindicationScreenedData,
    ContraindicationOverriddenData,
    HoldOverriddenData,
    ScreeningOrderedData,
    ScreeningResultedData,
    AssessmentRecordedData,
    InfusionScheduledData,
    VitalsRecordedData,
    InfusionHeldData,
    InfusionCompletedData,
    InfusionCancelledData,
    InfusionStoppedData,
    DischargeAssessedData,
    ResponseReviewedData,
    MaintenanceIntervalSetData,
    ComplementaryCareGuidanceGivenData,
    ComplementaryCareCheckInData,
    NoteAddedData,
    EventEnteredInErrorData,
    JourneyPausedData,
    JourneyResumedData,
    JourneyClosedData,
    SafetyAlertAcknowledgedData,
    ConsentRecordedData,
)
