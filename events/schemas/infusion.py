"""The ``data`` of the infusion events: scheduling, vitals, holds and the infusion itself.

Ranges are physiological plausibility limits that catch typing slips (a weight of 700 kg, a systolic
of 14); whether a value is clinically acceptable (the blood-pressure hold, the escort) is the
protocol's rule and the engine's decision, with a rule code, not a validation error.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from careplan.domain.booking import DURATION_MIN, MAX_CHAIR
from careplan.domain.vocabulary import HOLDS, INFUSION_PHASES, SIDE_EFFECTS, STOP_CAUSES, VITALS_PHASES
from events.schemas.common import EventDataSchema, UtcDateTime, WholeNumber, between, code, code_list
from events.schemas.limits import DOSE_MG_PER_KG, INFUSION_MINUTES


class InfusionScheduledData(EventDataSchema):
    phase = code(INFUSION_PHASES, required=True)
    scheduled_for = UtcDateTime(required=True)
    chair = WholeNumber(validate=between(1, MAX_CHAIR), metadata={"description": "The infusion chair, 1 to the clinic's chairs."})
    duration_min = WholeNumber(
        validate=between(*DURATION_MIN),
        metadata={"description": "Expected minutes in the chair; default 60 (40 min infusion + 20 min observation)."},
    )


class VitalsRecordedData(EventDataSchema):
    phase = code(VITALS_PHASES, required=True)
    systolic = WholeNumber(required=True, validate=between(40, 300))
    diastolic = WholeNumber(required=True, validate=between(20, 200))
    heart_rate = WholeNumber(required=True, validate=between(20, 250))
    spo2 = WholeNumber(validate=between(50, 100))

    @validates_schema
    def _check_pressures(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["systolic"] <= data["diastolic"]:
            raise ValidationError("Must be greater than diastolic.", "systolic")


class InfusionHeldData(EventDataSchema):
    phase = code(INFUSION_PHASES, required=True)


class InfusionCancelledData(EventDataSchema):
    phase = code(INFUSION_PHASES, required=True)
    scheduled_version = WholeNumber(
        allow_none=True,
        validate=validate.Range(min=1),
        metadata={"description": "The InfusionScheduled version to cancel; default the earliest open one."},
    )


class HoldOverriddenData(EventDataSchema):
    hold = code(HOLDS, required=True)


class InfusionCompletedData(EventDataSchema):
    phase = code(INFUSION_PHASES, required=True)
    dose_mg_per_kg = fields.Float(required=True, validate=between(*DOSE_MG_PER_KG))
    weight_kg = fields.Float(required=True, validate=between(20, 350))
    duration_min = WholeNumber(required=True, validate=between(*INFUSION_MINUTES))
    escort_confirmed = fields.Boolean(required=True)
    side_effects = code_list(SIDE_EFFECTS, load_default=list)


class InfusionStoppedData(EventDataSchema):
    """An infusion ended early (DESIGN.md 6.2): not counted toward the series; a discharge follows."""

    phase = code(INFUSION_PHASES, required=True)
    minutes_given = WholeNumber(required=True, validate=between(0, 240))
    cause = code(STOP_CAUSES, required=True)


class DischargeAssessedData(EventDataSchema):
    phase = code(INFUSION_PHASES, required=True)
    observation_min = WholeNumber(required=True, validate=between(0, 1440))
    alert_and_oriented = fields.Boolean(required=True)
    escort_present = fields.Boolean(required=True)
