"""The ``data`` of the infusion events: scheduling, vitals, holds and the infusion itself.

Ranges are physiological plausibility limits that catch typing slips (a weight of 700 kg, a systolic
of 14); whether a value is clinically acceptable (the blood-pressure hold, the escort) is the
protocol's rule and the engine's decision, with a rule code, not a validation error.
"""

from __future__ import annotations

from marshmallow import fields

from careplan.domain.vocabulary import INFUSION_PHASES, SIDE_EFFECTS
from events.schemas.common import EventDataSchema, WholeNumber, between, code, code_list
from events.schemas.limits import DOSE_MG_PER_KG, INFUSION_MINUTES


class InfusionCompletedData(EventDataSchema):
    phase = code(INFUSION_PHASES, required=True)
    dose_mg_per_kg = fields.Float(required=True, validate=between(*DOSE_MG_PER_KG))
    weight_kg = fields.Float(required=True, validate=between(20, 350))
    duration_min = WholeNumber(required=True, validate=between(*INFUSION_MINUTES))
    escort_confirmed = fields.Boolean(required=True)
    side_effects = code_list(SIDE_EFFECTS, load_default=list)
