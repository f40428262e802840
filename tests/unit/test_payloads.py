"""The domain's own guard: every event's payload refuses ill-typed data, whoever calls the domain.

And the two readers of an event's data agree: the marshmallow schema (the edge's parser and the
OpenAPI source) and the domain payload name the same fields, require the same ones, and allow the same
ranges and codes, so the API and a script calling the domain accept exactly the same events.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, get_args, get_origin

import pytest
from marshmallow import fields as mfields
from marshmallow import validate

from careplan.domain.errors import InvalidEvent
from careplan.domain.family import payload_types
from careplan.domain.payload import Payload, field_specs
from careplan.domain.vocabulary import CLINICIAN_EVENTS
from events.schemas import DATA_SCHEMAS
from tests.examples import VALID_DATA
from tests.unit.journeys import Journey

SCHEMA_TYPES = sorted(set(DATA_SCHEMAS) & set(payload_types()))


def test_every_clinician_event_has_a_payload_and_a_schema() -> None:
    assert set(CLINICIAN_EVENTS) <= set(payload_types())
    assert set(CLINICIAN_EVENTS) <= set(DATA_SCHEMAS)


def _ranges(field: mfields.Field) -> tuple[Any, Any]:
    low = high = None
    for validator in field.validators:
        if isinstance(validator, validate.Range):
            low = validator.min if validator.min is not None else low
            high = validator.max if validator.max is not None else high
    return low, high


def _choices(field: mfields.Field) -> set[str] | None:
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            return set(validator.choices)
    return None


def _enum_of(kind: Any) -> type[Enum] | None:
    if get_origin(kind) is tuple:
        kind = get_args(kind)[0]
    return kind if isinstance(kind, type) and issubclass(kind, Enum) else None


@pytest.mark.parametrize("event_type", SCHEMA_TYPES)
def test_the_schema_and_the_domain_payload_agree(event_type: str) -> None:
    schema = DATA_SCHEMAS[event_type]()
    specs = {spec.name: spec for spec in field_specs(payload_types()[event_type])}
    assert set(schema.fields) == set(specs), "the same fields"
    for name, field in schema.fields.items():
        spec = specs[name]
        domain_required = not spec.optional and not spec.has_default
        assert field.required == domain_required, f"{name}: required on one side only"
        low, high = _ranges(field)
        assert (low, high) == (spec.meta.get("min"), spec.meta.get("max")), f"{name}: ranges differ"
        inner = field.inner if isinstance(field, mfields.List) else field
        choices = _choices(inner)
        enum = _enum_of(spec.kind)
        if choices is not None or enum is not None:
            assert enum is not None and choices == {str(m.value) for m in enum}, f"{name}: codes differ"


def _wrong_value(kind: Any) -> Any:
    """A value of the wrong type for a field of ``kind``: what a loose caller might pass."""
    if _enum_of(kind) is not None and get_origin(kind) is not tuple:
        return "no_such_code"
    if get_origin(kind) is tuple:
        return "not a list"
    if kind is bool:
        return "no"  # bool("no") is True: the bug of issue 9
    if kind in (int, float):
        return "12"
    if kind is str:
        return 12
    if isinstance(kind, type) and issubclass(kind, Payload):
        return "not an object"
    return object()


@pytest.mark.parametrize("event_type", sorted(VALID_DATA))
def test_a_direct_call_with_ill_typed_data_is_refused_by_the_domain_for_every_field(event_type: str) -> None:
    valid = VALID_DATA[event_type]
    payload_types()[event_type].parse(valid)  # the valid example is valid
    for spec in field_specs(payload_types()[event_type]):
        bad = {**valid, spec.name: _wrong_value(spec.kind)}
        j = Journey()
        with pytest.raises(InvalidEvent) as refused:
            j.record(event_type, bad, reason="r")
        assert spec.name in refused.value.errors, f"{event_type}.{spec.name} took {bad[spec.name]!r}"
        assert j.version == 1, "nothing was recorded"


@pytest.mark.parametrize("event_type", sorted(VALID_DATA))
def test_a_missing_required_field_or_an_unknown_one_is_refused_by_the_domain(event_type: str) -> None:
    valid = VALID_DATA[event_type]
    j = Journey()
    with pytest.raises(InvalidEvent) as unknown:
        j.record(event_type, {**valid, "colour": "blue"}, reason="r")
    assert "colour" in unknown.value.errors
    for spec in field_specs(payload_types()[event_type]):
        if spec.optional or spec.has_default:
            continue
        partial = {k: v for k, v in valid.items() if k != spec.name}
        with pytest.raises(InvalidEvent) as missing:
            j.record(event_type, partial, reason="r")
        assert missing.value.errors[spec.name] == ["Missing data for required field."]
    assert j.version == 1


def test_a_consultation_with_eligible_no_is_refused_not_taken_as_eligible() -> None:
    j = Journey()
    with pytest.raises(InvalidEvent) as refused:
        j.record("ConsultationCompleted", {"eligible": "no", "prior_antidepressant_trials": 2, "psychotherapy_tried": True})
    assert refused.value.errors == {"eligible": ["Not a valid boolean."]}
    assert j.record_of().consultation is None


def test_an_empty_maintenance_interval_is_the_domains_error_not_a_key_error() -> None:
    with pytest.raises(InvalidEvent) as refused:
        Journey().record("MaintenanceIntervalSet", {})
    assert refused.value.errors == {"weeks": ["Missing data for required field."]}


def test_a_payload_built_in_code_checks_itself_too() -> None:
    from careplan.domain.families.infusion import VitalsRecorded

    with pytest.raises(InvalidEvent) as refused:
        VitalsRecorded(phase="pre", systolic=80, diastolic=90, heart_rate=70)  # type: ignore[arg-type]
    assert set(refused.value.errors) == {"phase"}  # a plain string is not a VitalsPhase
    with pytest.raises(InvalidEvent) as inverted:
        VitalsRecorded.parse({"phase": "pre", "systolic": 80, "diastolic": 90, "heart_rate": 70})
    assert inverted.value.errors == {"systolic": ["Must be greater than diastolic."]}
