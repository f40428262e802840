"""``AssessmentRecorded``: a questionnaire score, checked against the instrument's own scale.

Out-of-range scores are validation errors (docs/contract.md section 2), and the scale depends on the
instrument, so the total and the items are checked once the instrument is known. The items are
required for every instrument (DESIGN 6.2): the self-harm item cannot be read off a total. Items are numbered
from 1 in messages, as clinicians count them (PHQ-9 item 9 is the self-harm question).
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from careplan.domain.vocabulary import ASSESSMENT_CONTEXTS, INSTRUMENTS
from events.schemas.common import EventDataSchema, WholeNumber, code
from events.schemas.limits import SCALES, Scale

BASELINE, INFUSION, RESPONSE_CHECK, MAINTENANCE, OTHER, REMOTE = ASSESSMENT_CONTEXTS


class AssessmentRecordedData(EventDataSchema):
    instrument = code(INSTRUMENTS, required=True)
    total = WholeNumber(required=True, validate=validate.Range(min=0))
    items = fields.List(WholeNumber(), required=True)
    context = code(ASSESSMENT_CONTEXTS, load_default=OTHER)
    questionnaire = fields.String(validate=validate.Length(min=1, max=400))

    @validates_schema(skip_on_field_errors=False)
    def _check_scale(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("instrument") not in SCALES or not isinstance(data.get("total"), int):
            return  # their own messages already say what is missing
        scale = SCALES[data["instrument"]]
        if data["total"] > scale.total_max:
            raise ValidationError(f"Must be less than or equal to {scale.total_max} for {scale.name}.", "total")
        items = data.get("items")
        if items is not None:  # a missing list already has its own "required" message
            problem = items_problem(scale, items, data["total"])
            if problem:
                raise ValidationError(problem, "items")


def items_problem(scale: Scale, items: list[int], total: int) -> str | None:
    """Why these item scores cannot be this instrument's answers for this total, or None (the domain's
    own check, so the API and a direct call refuse the same answers with the same sentence)."""
    return scale.items_problem(items, total)
