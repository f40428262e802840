"""Marshmallow schemas made from the domain's payload classes: an event's fields are declared once.

Each payload class (``careplan.domain.families``) already says its fields' types, ranges, lengths,
patterns and defaults in its dataclass fields and their metadata (``careplan.domain.payload``). The
schema that parses an event's ``data`` at the edge and describes it in the OpenAPI document is read off
those, with the fields of ``events.schemas.common`` that close marshmallow's gaps (a bool is not an int,
1.5 is not 1, text is trimmed). The payload's own cross-field ``check`` runs after the fields pass, so
the API, the form and a direct call refuse the same data with the same sentence.

A field's ``description`` in the OpenAPI document is its metadata's ``description``, when it has one.
"""

from __future__ import annotations

import dataclasses
import types
from dataclasses import MISSING
from datetime import datetime
from enum import Enum
from typing import Any, Union, get_args, get_origin

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from careplan.domain.errors import InvalidEvent
from careplan.domain.payload import Payload, field_specs, registered
from events.schemas.common import EventDataSchema, Text, UtcDateTime, WholeNumber, between, unique

_MADE: dict[type[Payload], type[Schema]] = {}
NAME = validate.Regexp(r"[^\x00-\x1f\x7f]+\Z", error="A value's name may not contain control characters.")
"""A mapping's keys are names (a lab value's): no control characters."""


def data_schema(cls: type[Payload]) -> type[Schema]:
    """The schema of a payload class's data (made once per class), named ``<EventType>Data``."""
    known = _MADE.get(cls)
    if known is None:
        known = _MADE[cls] = _make(cls)
    return known


def _make(cls: type[Payload]) -> type[Schema]:
    own = {f.name: f for f in dataclasses.fields(cls)}
    declared: dict[str, Any] = {spec.name: _field(spec, own[spec.name]) for spec in field_specs(cls)}
    declared["_check_payload"] = validates_schema(skip_on_field_errors=True)(_checker(cls))
    declared["__doc__"] = (cls.__doc__ or "").strip() or None
    event = registered().get(cls.event_type) is cls
    name = f"{cls.event_type}Data" if event else f"{cls.__name__}Schema"  # nested: "Medication" in OpenAPI
    return type(name, (EventDataSchema,), declared)


def _checker(cls: type[Payload]) -> Any:
    """The payload's own checks (ranges the fields already passed, and ``check``'s cross-field rules)."""

    def check(self: Schema, data: dict[str, Any], **kwargs: Any) -> None:
        try:
            cls.parse(data)
        except InvalidEvent as invalid:
            raise ValidationError(dict(invalid.errors)) from None

    return check


def _field(spec: Any, own: dataclasses.Field[Any]) -> fields.Field:
    required = not spec.optional and not spec.has_default
    options: dict[str, Any] = {"required": True} if required else {}
    default = _default_of(own)
    if default is not None:
        options["load_default"] = default
    if "description" in spec.meta:
        options["metadata"] = {"description": spec.meta["description"]}
    if spec.meta.get("nullable"):
        options["allow_none"] = True
    return _of_kind(spec.kind, spec.meta, **options)


def _default_of(owner: dataclasses.Field[Any]) -> Any:
    """A default the schema fills in (a list or mapping made fresh, a code's string), or None."""
    if owner.default_factory is not MISSING:
        fresh: dict[Any, Any] = {tuple: list, dict: dict, list: list}
        return fresh.get(owner.default_factory, owner.default_factory)
    if owner.default is MISSING or owner.default is None:
        return None
    if isinstance(owner.default, tuple):
        return list
    if isinstance(owner.default, Enum):
        return owner.default.value
    return owner.default


def _of_kind(kind: Any, meta: dict[str, Any], **options: Any) -> fields.Field:
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        kind = next(a for a in get_args(kind) if a is not type(None))
        origin = get_origin(kind)
    if origin is tuple:
        inner_meta: dict[str, Any] = {k: meta[k] for k in ("min", "max", "max_length", "pattern", "pattern_message") if k in meta}
        checks: list[Any] = [unique] if meta.get("unique") else []
        if "max_items" in meta:
            checks.append(validate.Length(max=meta["max_items"]))
        return fields.List(_of_kind(get_args(kind)[0], inner_meta), validate=checks or None, **options)
    if origin is dict:
        key_length = meta.get("key_max_length", 64)
        checks = [validate.Length(max=meta["max_items"])] if "max_items" in meta else []
        return fields.Dict(
            keys=fields.String(validate=[validate.Length(min=1, max=key_length), NAME]),
            values=fields.Float(allow_nan=False),
            validate=checks or None,
            **options,
        )
    if isinstance(kind, type) and issubclass(kind, Enum):
        return fields.String(validate=validate.OneOf([str(m.value) for m in kind]), **options)
    if isinstance(kind, type) and issubclass(kind, Payload):
        return fields.Nested(data_schema(kind), **options)
    if kind is datetime:
        return UtcDateTime(**options)
    if kind is bool:
        return fields.Boolean(**options)
    if kind in (int, float):
        field_type: type[fields.Field] = WholeNumber if kind is int else fields.Float
        return field_type(validate=_range(meta), **options)
    if kind is str:
        if "pattern" in meta:
            pattern = validate.Regexp(meta["pattern"] + r"\Z", error=meta.get("pattern_message", "Not in the expected form."))
            return fields.String(validate=pattern, **options)
        return Text(max_length=meta.get("max_length", 4000), **options)
    raise TypeError(f"no schema field for {kind!r}")


def _range(meta: dict[str, Any]) -> list[validate.Range] | None:
    if "min" in meta and "max" in meta:
        return between(meta["min"], meta["max"])
    if "min" in meta:
        return [validate.Range(min=meta["min"])]
    if "max" in meta:
        return [validate.Range(max=meta["max"])]
    return None
