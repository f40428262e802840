"""The base schema and the fields every schema shares.

Unknown fields are errors, so a misspelt field never passes silently. The fields close the gaps of
marshmallow's stock ones once, so each schema only states its ranges: a bool is not an int, 1.5 is not
silently truncated to 1, free text is trimmed and free of control characters, and every datetime must
carry its offset and comes out aware and in UTC. What comes out is what the event store keeps: str, int, float, bool, list, dict
and aware datetimes, nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, pre_load, validate

DEFAULT_PROTOCOL_ID = "ketamine-trd"

# An opaque reference (an MRN or pseudonym): ASCII letters, digits, '.', '-', '_' leave no room for a name.
IDENTIFIER = re.compile(r"[A-Za-z0-9._-]{1,64}\Z")
IDENTIFIER_MESSAGE = "Use 1 to 64 letters, digits, '.', '-' or '_' (an opaque reference, never a name)."

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Clinical time is bounded so that the engine's date arithmetic (due dates, windows) can never overflow.
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)


class BaseSchema(Schema):
    """Every schema of the interface layer: unknown fields are refused, never dropped."""

    class Meta:
        unknown = RAISE


class EventDataSchema(BaseSchema):
    """The ``data`` of one event type. An optional field sent as null counts as not sent (it takes its
    default, if any), so a stored payload either has a field with a real value or does not have it."""

    @pre_load
    def _null_is_absent(self, data: Any, **kwargs: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        optional = {name for name, field in self.fields.items() if not field.required}
        return {key: value for key, value in data.items() if not (value is None and key in optional)}

    @post_load
    def _finish(self, data: dict[str, Any], **kwargs: Any) -> Any:
        return {key: value for key, value in data.items() if value is not None}


class WholeNumber(fields.Integer):
    """An int that refuses bools and fractions (the stock field turns 1.5 into 1 without a word)."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class UtcDateTime(fields.AwareDateTime):
    """An aware datetime, kept in UTC. One without an offset is refused: "15:30" means a different
    instant in every clinic, and guessing UTC once stored a New York afternoon five hours wrong.
    Years 1900 to 2199 only. Output is ISO 8601 with its offset (``+00:00``)."""

    default_error_messages = {
        "out_of_range": "Must be between 1900-01-01 and 2199-12-31.",
        "invalid_awareness": "Give the offset of the time, as in 2026-03-09T15:30:00-05:00 or 2026-03-09T20:30:00Z.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST <= moment < LATEST:
            raise self.make_error("out_of_range")
        return moment.astimezone(timezone.utc)

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is not None:
            value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class Text(fields.String):
    """Free text, trimmed. Blank is refused when the field is required and left out when it is not."""

    default_error_messages = {
        "blank": "Must not be blank.",
        "control": "Must not contain control characters.",
        "too_long": "Longer than maximum length {max}.",
    }

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        """The trimmed text, or None for a blank optional field (marshmallow's ``String`` promises a str)."""
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            if self.required:
                raise self.make_error("blank")
            return None
        if _CONTROL.search(text):
            raise self.make_error("control")
        if len(text) > self.max_length:
            raise self.make_error("too_long", max=self.max_length)
        return text


def identifier(**kwargs: Any) -> fields.String:
    """An opaque id such as a patient reference or a protocol id."""
    return fields.String(validate=validate.Regexp(IDENTIFIER, error=IDENTIFIER_MESSAGE), **kwargs)


def code(choices: Sequence[str], **kwargs: Any) -> fields.String:
    """One code of a vocabulary list."""
    return fields.String(validate=validate.OneOf(choices), **kwargs)


def unique(values: Collection[Any]) -> None:
    """A list of codes names each code once."""
    if len(set(values)) != len(values):
        raise ValidationError("Must not contain duplicates.")


def code_list(choices: Sequence[str], *, validators: Sequence[Any] = (), **kwargs: Any) -> fields.List:
    """A list of distinct codes of a vocabulary list (may be empty unless a validator says otherwise)."""
    return fields.List(code(choices), validate=[unique, *validators], **kwargs)


def between(low: float, high: float) -> list[validate.Range]:
    """Two validators, so the message names the one bound that was crossed."""
    return [validate.Range(min=low), validate.Range(max=high)]
