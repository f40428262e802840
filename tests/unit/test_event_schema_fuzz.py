"""Whatever a client sends, validation answers with a result or a ValidationError, never a crash.

The API promises "never a 500 for bad input" (docs/contract.md section 4): these properties throw arbitrary
JSON at every event type, both shapeless and shaped like the real fields, and check that anything
that loads is made of values the event store keeps.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from careplan.domain import vocabulary
from careplan.domain.vocabulary import CLINICIAN_EVENTS
from events.schemas import DATA_SCHEMAS, validate_journey_open, validate_submission
from tests.examples import VALID_DATA, assert_storable

FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CODES = sorted(
    {code for name in dir(vocabulary) if name.isupper() for code in getattr(vocabulary, name) if isinstance(code, str)}
)
offsets = st.integers(min_value=-23 * 60, max_value=23 * 60).map(lambda m: timezone(timedelta(minutes=m)))
iso_times = st.one_of(
    st.datetimes().map(datetime.isoformat),
    st.datetimes(timezones=offsets).map(datetime.isoformat),
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-5, max_value=400),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(CODES),
    iso_times,
)
json_values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=10) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=12,
)


def shaped_like(event_type: str) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts with the event's real field names (some missing, some extra) and arbitrary values."""
    names = list(DATA_SCHEMAS[event_type]().fields)
    real = st.fixed_dictionaries({}, optional={name: json_values for name in names})
    valid_base = st.just(VALID_DATA.get(event_type, {}))
    mutated = st.tuples(valid_base, real).map(lambda pair: {**pair[0], **pair[1]})
    extra = st.dictionaries(st.text(max_size=8), json_values, max_size=2)
    return st.one_of(real, mutated, st.tuples(mutated, extra).map(lambda pair: {**pair[0], **pair[1]}))


def load_or_refuse(body: Any) -> None:
    try:
        loaded = validate_submission(body)
    except ValidationError as error:
        assert error.messages
        return
    assert_storable(loaded.data)
    assert loaded.occurred_at is None or loaded.occurred_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("event_type", CLINICIAN_EVENTS)
@FUZZ
@given(data=json_values, reason=st.none() | st.text(max_size=10) | json_values)
def test_any_json_as_data_loads_or_is_refused(event_type: str, data: Any, reason: Any) -> None:
    load_or_refuse({"type": event_type, "data": data, "reason": reason})


@pytest.mark.parametrize("event_type", CLINICIAN_EVENTS)
@FUZZ
@given(data=st.data())
def test_data_shaped_like_the_real_fields_loads_or_is_refused(event_type: str, data: st.DataObject) -> None:
    payload = data.draw(shaped_like(event_type))
    body = {"type": event_type, "data": payload, "reason": data.draw(st.sampled_from([None, "", "why"]))}
    body.update(data.draw(st.fixed_dictionaries({}, optional={"occurred_at": json_values, "expected_version": json_values})))
    load_or_refuse(body)


@settings(max_examples=100, deadline=None)
@given(body=json_values | st.dictionaries(st.sampled_from(["type", "data", "reason", "occurred_at", "x"]), json_values))
def test_any_json_body_loads_or_is_refused(body: Any) -> None:
    load_or_refuse(body)


@settings(max_examples=100, deadline=None)
@given(body=shaped_like("JourneyOpened") | json_values)
def test_any_journey_opening_loads_or_is_refused(body: Any) -> None:
    try:
        opening = validate_journey_open(body)
    except ValidationError:
        return
    assert opening.patient_ref.isascii() and " " not in opening.patient_ref
