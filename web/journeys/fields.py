"""The event form's fields, read off each event type's marshmallow schema.

The schema is the one source of truth for what an event holds: its declared fields give the widgets
(type, required, OneOf choices, Range bounds), so a field added to a schema shows up on the form
without touching a template. Nested lists get their own widgets: a repeating row for medications,
name/value rows for lab values, and one 0..max select per item for questionnaires.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marshmallow import Schema, fields, validate

from events.schemas import DATA_SCHEMAS
from events.schemas.common import Text
from web.journeys.instruments import SCORED_FIELDS

TEXTAREA_FROM = 500
"""Free text fields allowing more characters than this get a multi-line box."""


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    """One widget of the form; ``name`` is the key in the event's ``data``."""

    name: str
    label: str
    kind: str  # text | textarea | integer | number | boolean | choice | choices | datetime | rows | pairs | scores
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()
    columns: tuple[FormField, ...] = field(default_factory=tuple)

    @property
    def step(self) -> str:
        return "1" if self.kind == "integer" else "any"


def label_of(name: str) -> str:
    text = name.replace("_", " ")
    for short, long in (("mg per kg", "(mg/kg)"), ("kg", "(kg)"), ("min", "(min)"), ("spo2", "SpO₂ (%)")):
        if text.endswith(" " + short) or text == short:
            text = text[: len(text) - len(short)] + long
    text = text.replace("diazepam eq mg", "diazepam-equivalent (mg/day)")
    return text[:1].upper() + text[1:]


def missing_on_form(event_type: str, data: dict[str, object]) -> dict[str, list[str]]:
    """Errors for the fields the page requires beyond the schema."""
    return {
        name: ["Missing data for required field."]
        for kind, name in sorted(FORM_REQUIRED)
        if kind == event_type and name not in data
    }


def form_fields(event_type: str) -> list[FormField]:
    """The widgets of an event type's form, in the schema's declared order."""
    schema = DATA_SCHEMAS[event_type]()
    return [describe(event_type, name, item) for name, item in schema.fields.items()]


COMPUTED = frozenset({("AssessmentRecorded", "total")})
"""Fields the form works out itself (the total, added up from the item scores): never marked
required there, though the schema requires them of an API client."""


FORM_REQUIRED = frozenset({("SafetyAlertAcknowledged", "risk_assessment"), ("SafetyAlertAcknowledged", "plan")})
"""Fields a person must fill in on the page though the schema lets an API client leave them out (the
engine does not read them yet): an alert is not worked until someone has judged the risk and planned."""


def describe(event_type: str, name: str, item: fields.Field) -> FormField:
    required = (bool(item.required) or (event_type, name) in FORM_REQUIRED) and (event_type, name) not in COMPUTED
    if (event_type, name) in SCORED_FIELDS:
        return FormField(name, "Item scores", "scores", required)
    if isinstance(item, fields.List):
        inner = item.inner
        if isinstance(inner, fields.Nested):
            nested = inner.schema if isinstance(inner.schema, Schema) else inner.nested()  # type: ignore[operator]
            columns = tuple(describe(event_type, n, f) for n, f in nested.fields.items())
            return FormField(name, label_of(name), "rows", required, columns=columns)
        return FormField(name, label_of(name), "choices", required, choices=_choices(inner))
    if isinstance(item, fields.Dict):
        return FormField(name, label_of(name), "pairs", required)
    if isinstance(item, fields.Boolean):
        return FormField(name, label_of(name), "boolean", required)
    if isinstance(item, fields.DateTime):
        return FormField(name, label_of(name), "datetime", required)
    if isinstance(item, (fields.Integer, fields.Float, fields.Decimal)):
        low, high = _bounds(item)
        kind = "integer" if isinstance(item, fields.Integer) else "number"
        return FormField(name, label_of(name), kind, required, minimum=low, maximum=high)
    choices = _choices(item)
    if choices:
        return FormField(name, label_of(name), "choice", required, choices=choices)
    length = item.max_length if isinstance(item, Text) else None
    kind = "textarea" if length is not None and length > TEXTAREA_FROM else "text"
    return FormField(name, label_of(name), kind, required, max_length=length)


def _choices(item: fields.Field) -> tuple[Choice, ...]:
    for validator in item.validators:
        if isinstance(validator, validate.OneOf):
            return tuple(Choice(str(c), label_of(str(c))) for c in validator.choices)
    return ()


def _bounds(item: fields.Field) -> tuple[float | None, float | None]:
    low = high = None
    for validator in item.validators:
        if isinstance(validator, validate.Range):
            low = validator.min if validator.min is not None else low
            high = validator.max if validator.max is not None else high
    return low, high

