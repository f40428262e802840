"""The event form's fields, read off each event type's marshmallow schema.

The schema is the one source of truth for what an event holds: its declared fields give the widgets
(type, required, OneOf choices, Range bounds), so a field added to a schema shows up on the form
without touching a template. Nested lists get their own widgets: a repeating row for medications,
name/value rows for lab values, and one 0..max select per item for questionnaires.

Contraindication findings are the exception: their schema only checks the shape of a code, because the
codes are the journey's protocol's (``contraindications.absolute`` and ``relative``). Given the
journey's ``Findings``, the screening offers those codes as checkboxes grouped absolute / relative and
the override offers the findings still open on the journey as a select. The engine still judges them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from marshmallow import Schema, fields, validate

from careplan.domain.protocol import Protocol
from careplan.domain.record import ClinicalRecord
from events.schemas import DATA_SCHEMAS
from events.schemas.common import Text
from web.clinic import the_clinic
from web.journeys.instruments import SCORED_FIELDS

TEXTAREA_FROM = 500
"""Free text fields allowing more characters than this get a multi-line box."""


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    group: str = ""
    """A heading the choice is shown under (``absolute`` or ``relative`` for a finding); blank: none."""


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

    @property
    def groups(self) -> list[tuple[str, list[Choice]]]:
        """The choices under their headings, in order of first appearance (blank: no heading)."""
        grouped: dict[str, list[Choice]] = {}
        for choice in self.choices:
            grouped.setdefault(choice.group, []).append(choice)
        return list(grouped.items())


UNITS = {"systolic": "Systolic (mmHg)", "diastolic": "Diastolic (mmHg)", "heart_rate": "Heart rate (bpm)"}
"""Readings say their units beside the box, as a chart does."""


def label_of(name: str) -> str:
    if name in UNITS:
        return UNITS[name]
    text = name.replace("_", " ")
    for short, long in (("mg per kg", "(mg/kg)"), ("kg", "(kg)"), ("min", "(min)"), ("spo2", "SpO₂ (%)")):
        if text.endswith(" " + short) or text == short:
            text = text[: len(text) - len(short)] + long
    text = text.replace("diazepam eq mg", "diazepam-equivalent (mg/day)")
    return text[:1].upper() + text[1:]


ACRONYMS = {"avm": "AVM", "copd": "COPD", "ptsd": "PTSD", "maoi": "MAOI", "hiv": "HIV", "ecg": "ECG", "ect": "ECT"}
"""Words of a finding code that read as capitals."""


def finding_label(code: str) -> str:
    """A finding code as a person reads it: ``aneurysm_or_avm`` is "Aneurysm or AVM"."""
    words = [ACRONYMS.get(word, word) for word in code.split("_") if word]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Findings:
    """The contraindication codes a journey's forms offer: its protocol's, and those open on it."""

    protocol: tuple[Choice, ...]
    open: tuple[Choice, ...]

    @classmethod
    def of(cls, protocol: Protocol, record: ClinicalRecord | None = None) -> Findings:
        settings = protocol.contraindications
        group = {code: "absolute" for code in settings.absolute} | {code: "relative" for code in settings.relative}
        offered = tuple(Choice(code, finding_label(code), group[code]) for code in settings.codes)
        still_open: list[Choice] = []
        if record is not None:
            for code in record.open_findings():
                label = finding_label(code)
                if code in record.overrides:  # open though overridden: an absolute finding, overridden once
                    label += " (overridden once: a second clinician must confirm)"
                elif code in record.clearing:  # cleared once otherwise: a re-screening or a correction
                    label += " (cleared once: a second clinician must confirm)"
                still_open.append(Choice(code, label, group.get(code, "")))
        return cls(offered, tuple(still_open))


def booking_choices(record: ClinicalRecord) -> tuple[Choice, ...]:
    """The journey's open bookings as a person picks one: phase, day and time on the clinic's clock,
    chair; earliest first. The value is the booking's version, which the event stores."""
    clinic = the_clinic()
    open_ones = sorted((a for a in record.appointments if a.state == "scheduled"), key=lambda a: a.scheduled_for)
    return tuple(
        Choice(
            str(a.version),
            f"{label_of(a.phase)}, {clinic.local(a.scheduled_for):%a %Y-%m-%d %H:%M %Z}"
            + (f", chair {a.chair}" if a.chair else ""),
        )
        for a in open_ones
    )


def form_fields(event_type: str, findings: Findings | None = None) -> list[FormField]:
    """The widgets of an event type's form, in the schema's declared order; with the journey's
    ``findings``, the contraindication fields offer its protocol's codes."""
    schema = DATA_SCHEMAS[event_type]()
    described = [describe(event_type, name, item) for name, item in schema.fields.items()]
    if findings is None:
        return described
    offered = {
        ("ContraindicationScreened", "findings"): ("choices", findings.protocol),
        ("ContraindicationOverridden", "finding"): ("choice", findings.open),
    }
    return [
        replace(f, kind=offered[event_type, f.name][0], choices=offered[event_type, f.name][1], max_length=None)
        if (event_type, f.name) in offered
        else f
        for f in described
    ]


COMPUTED = frozenset({("AssessmentRecorded", "total")})
"""Fields the form works out itself (the total, added up from the item scores): never marked
required there, though the schema requires them of an API client."""


def describe(event_type: str, name: str, item: fields.Field) -> FormField:
    required = bool(item.required) and (event_type, name) not in COMPUTED  # required as the event's class says
    if (event_type, name) in SCORED_FIELDS:
        return FormField(name, "Item scores", "scores", required)
    if isinstance(item, fields.List):
        inner = item.inner
        if isinstance(inner, fields.Nested):
            nested = inner.schema if isinstance(inner.schema, Schema) else inner.nested()
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

