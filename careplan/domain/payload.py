"""Typed event payloads that check themselves, whoever builds them.

Each event type's data is a frozen dataclass (``ConsultationCompleted(eligible=True, ...)``): its
annotations say the types, its fields' metadata the ranges and lengths, and ``check`` the rules that
tie fields together. Building one with ill-typed data raises :class:`InvalidEvent` with a message per
field, so the API, the form, the demo generator, the scheduler and a script all meet the same guard;
marshmallow stays the edge's parser of strings, not the domain's only one.

The stored form of a payload (``as_data``) is the plain JSON-ready dict that the event store, the
hash chain and the verifier have always read; ``parse`` reads such a dict back, strictly for data from
outside and with the checks skipped for data the store already holds (``trusted``), because that was
checked when it was recorded and loading a journey must stay cheap.
"""

from __future__ import annotations

import math
import re
import types
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from datetime import datetime, timezone
from enum import Enum
from typing import Any, ClassVar, TypeAlias, TypeVar, Union, get_args, get_origin, get_type_hints

from careplan.domain.about import CLINICAL, INFUSION_PHASES, About
from careplan.domain.errors import InvalidEvent, UnknownEventType

P = TypeVar("P", bound="Payload")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|[\ud800-\udfff]")
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)


def between(low: float, high: float) -> dict[str, Any]:
    """Field metadata: a number from ``low`` to ``high`` inclusive."""
    return {"min": low, "max": high}


def at_least(low: float) -> dict[str, Any]:
    return {"min": low}


def text(max_length: int) -> dict[str, Any]:
    """Field metadata: free text, trimmed, not blank, no control characters, at most ``max_length``."""
    return {"max_length": max_length}


def items(max_items: int, **more: Any) -> dict[str, Any]:
    return {"max_items": max_items, **more}


class Code(str, Enum):
    """Base of the coded values: the value is the contract's string, so ``as_data`` stores it as is."""

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class Payload:
    """Base of every event's data. Subclasses are frozen dataclasses named after their event type."""

    event_type: ClassVar[str] = ""
    about: ClassVar[About] = CLINICAL
    """What the clinic says of this event type besides its fields (``careplan.domain.about``)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "event_type" not in cls.__dict__:
            cls.event_type = cls.__name__

    def __post_init__(self) -> None:
        errors: dict[str, list[str]] = {}
        for spec in _specs(type(self)):
            value = getattr(self, spec.name)
            if value is None and spec.optional:
                continue
            problem = spec.problem(value)
            if problem:
                errors.setdefault(spec.name, []).append(problem)
        if not errors:
            try:
                self.check()
            except InvalidEvent as invalid:
                errors.update(invalid.errors)
        if errors:
            raise InvalidEvent(self.event_type, errors)

    def check(self) -> None:
        """Cross-field invariants; raise ``InvalidEvent`` (see :func:`refuse`)."""

    def refuse(self, field: str, message: str) -> None:
        raise InvalidEvent(self.event_type, {field: [message]})

    # -- where it belongs -------------------------------------------------------------------

    def belongs_to(self) -> str | None:
        """The protocol step this event belongs to (the timeline's group, a deviation's step): its
        ``About.step``, or for an event at the chair its infusion phase's step; None: the journey's."""
        if self.about.chair:
            phase = str(getattr(self, "phase", "") or "")
            return phase if phase in INFUSION_PHASES else None
        return self.about.step

    def does(self) -> str | None:
        """The step whose work this event does (a FHIR Task's execution period): where it belongs."""
        return self.belongs_to()

    def waits_on(self) -> str | None:
        """The step whose prerequisites (the protocol's ``requires``) this event waits for, if any."""
        return self.about.step if self.about.gated else None

    # -- the stored form --------------------------------------------------------------------

    def as_data(self) -> dict[str, Any]:
        """The JSON-ready dict the store keeps; optional fields left out when empty."""
        out: dict[str, Any] = {}
        for spec in _specs(type(self)):
            value = getattr(self, spec.name)
            if value is None:
                continue
            out[spec.name] = _plain(value)
        return out

    @classmethod
    def parse(cls: type[P], data: Any, *, trusted: bool = False) -> P:
        """A payload from a dict (an API body already parsed, a stored event's data, a script's)."""
        if trusted:
            return _trusted(cls, data)
        if not isinstance(data, dict):
            raise InvalidEvent(cls.event_type or cls.__name__, {"_schema": ["Must be an object."]})
        specs = _specs(cls)
        names = {s.name for s in specs}
        errors: dict[str, list[str]] = {k: ["Unknown field."] for k in data if k not in names}
        values: dict[str, Any] = {}
        for spec in specs:
            if spec.name not in data or data[spec.name] is None:
                if not spec.optional and not spec.has_default:
                    errors.setdefault(spec.name, []).append("Missing data for required field.")
                continue
            try:
                values[spec.name] = spec.convert(data[spec.name])
            except _Bad as bad:
                errors.setdefault(spec.name, []).append(str(bad))
        if errors:
            raise InvalidEvent(cls.event_type, errors)
        return cls(**values)


_EVENTS: dict[str, type[Payload]] = {}


def event(cls: type[P]) -> type[P]:
    """Registers a payload class as an event type, under its name (``careplan.domain.catalogue``
    imports every family, so that every registered type is known once it is imported)."""
    _EVENTS[cls.event_type] = cls
    return cls


def payload_type(event_type: str) -> type[Payload]:
    try:
        return _EVENTS[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def registered() -> dict[str, type[Payload]]:
    """Every registered event type, in the order the families declared them."""
    return dict(_EVENTS)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Payload):
        return value.as_data()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class _Bad(ValueError):
    """A value that cannot become the field's type."""


@dataclass(frozen=True)
class _Spec:
    """One field of a payload: its name, its type, and what its metadata allows."""

    name: str
    kind: Any
    optional: bool
    has_default: bool
    meta: dict[str, Any]

    def convert(self, raw: Any) -> Any:
        return _convert(self.kind, raw)

    def problem(self, value: Any) -> str | None:
        return _problem(self.kind, value, self.meta)


_SPECS: dict[type, tuple[_Spec, ...]] = {}


def _specs(cls: type) -> tuple[_Spec, ...]:
    """The fields of a payload type, read once from its annotations and metadata."""
    known = _SPECS.get(cls)
    if known is None:
        known = _SPECS[cls] = _read_specs(cls)
    return known


def _read_specs(cls: type) -> tuple[_Spec, ...]:
    hints = get_type_hints(cls)
    out = []
    for f in fields(cls):
        kind = hints[f.name]
        optional = False
        if get_origin(kind) in (Union, types.UnionType) and type(None) in get_args(kind):
            optional = True
            kind = next(a for a in get_args(kind) if a is not type(None))
        has_default = f.default is not MISSING or f.default_factory is not MISSING
        out.append(_Spec(f.name, kind, optional, has_default, dict(f.metadata)))
    return tuple(out)


def _convert(kind: Any, raw: Any) -> Any:
    """Turns one JSON value into ``kind``, refusing what would only pass by coercion."""
    origin = get_origin(kind)
    if origin is tuple:
        if not isinstance(raw, (list, tuple)):
            raise _Bad("Must be a list.")
        inner = get_args(kind)[0]
        return tuple(_convert(inner, v) for v in raw)
    if origin is dict:
        if not isinstance(raw, dict):
            raise _Bad("Must be an object.")
        key_kind, value_kind = get_args(kind)
        return {_convert(key_kind, k): _convert(value_kind, v) for k, v in raw.items()}
    if isinstance(kind, type) and issubclass(kind, Enum):
        if isinstance(raw, kind):
            return raw
        try:
            return kind(raw)
        except ValueError:
            choices = ", ".join(str(m.value) for m in kind)
            raise _Bad(f"Must be one of: {choices}.") from None
    if isinstance(kind, type) and issubclass(kind, Payload):
        if isinstance(raw, kind):
            return raw
        try:
            return kind.parse(raw)
        except InvalidEvent as invalid:
            raise _Bad("; ".join(f"{k}: {' '.join(v)}" for k, v in invalid.errors.items())) from None
    if kind is datetime:
        return _moment(raw)
    if kind is bool:
        if not isinstance(raw, bool):
            raise _Bad("Not a valid boolean.")
        return raw
    if kind is int:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise _Bad("Not a valid integer.")
        if isinstance(raw, float) and not raw.is_integer():
            raise _Bad("Not a valid integer.")
        return int(raw)
    if kind is float:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise _Bad("Not a valid number.")
        return float(raw)
    if kind is str:
        if not isinstance(raw, str):
            raise _Bad("Not a valid string.")
        return raw.strip()
    raise _Bad(f"Unsupported type {kind!r}.")


def _moment(raw: Any) -> datetime:
    if isinstance(raw, str):
        try:
            raw = datetime.fromisoformat(raw)
        except ValueError:
            raise _Bad("Not a valid datetime.") from None
    if not isinstance(raw, datetime):
        raise _Bad("Not a valid datetime.")
    if raw.tzinfo is None:
        raise _Bad("Must have a time zone offset.")
    return raw.astimezone(timezone.utc)


def _problem(kind: Any, value: Any, meta: dict[str, Any]) -> str | None:
    """What is wrong with a built value (None when it is fine): its type first, then its range."""
    origin = get_origin(kind)
    if origin is tuple:
        if not isinstance(value, tuple):
            return "Must be a tuple."
        if "max_items" in meta and len(value) > meta["max_items"]:
            return f"At most {meta['max_items']} entries."
        if meta.get("unique") and len(set(value)) != len(value):
            return "Must not contain duplicates."
        inner = get_args(kind)[0]
        for v in value:
            problem = _problem(inner, v, {k: meta[k] for k in ("min", "max", "max_length", "pattern", "pattern_message") if k in meta})
            if problem:
                return problem
        return None
    if origin is dict:
        if not isinstance(value, dict):
            return "Must be a mapping."
        if "max_items" in meta and len(value) > meta["max_items"]:
            return f"At most {meta['max_items']} entries."
        key_kind, value_kind = get_args(kind)
        for k, v in value.items():
            problem = _problem(key_kind, k, {"max_length": meta.get("key_max_length", 64)})
            problem = problem or _problem(value_kind, v, {})
            if problem:
                return problem
        return None
    if isinstance(kind, type) and issubclass(kind, Enum):
        return None if isinstance(value, kind) else f"Must be a {kind.__name__}."
    if isinstance(kind, type) and issubclass(kind, Payload):
        return None if isinstance(value, kind) else f"Must be a {kind.__name__}."
    if kind is datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            return "Must be an aware datetime."
        if not EARLIEST <= value < LATEST:
            return "Must be between 1900-01-01 and 2199-12-31."
        return None
    if kind is bool:
        return None if isinstance(value, bool) else "Not a valid boolean."
    if kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
            return "Not a valid integer." if kind is int else "Not a valid number."
        if isinstance(value, float) and not math.isfinite(value):
            return "Must be a finite number."
        if "min" in meta and value < meta["min"]:
            return f"Must be greater than or equal to {meta['min']}."
        if "max" in meta and value > meta["max"]:
            return f"Must be less than or equal to {meta['max']}."
        return None
    if kind is str:
        if not isinstance(value, str):
            return "Not a valid string."
        if not value.strip():
            return "Must not be blank."
        if _CONTROL.search(value):
            return "Must not contain control characters."
        if "max_length" in meta and len(value) > meta["max_length"]:
            return f"Longer than maximum length {meta['max_length']}."
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
            return str(meta.get("pattern_message", "Not in the expected form."))
        return None
    return None


def _trusted(cls: type[P], data: dict[str, Any]) -> P:
    """Rebuilds a stored payload without re-checking it: it was checked when it was recorded.

    Every replayed and caught-up event passes through here, so each type's fields are read with
    readers made once per type (``_readers``), not by asking ``typing`` about each field each time."""
    payload = object.__new__(cls)
    state = payload.__dict__
    for name, read in _readers(cls):
        raw = data.get(name)
        state[name] = raw if raw is None or read is None else read(raw)
    return payload


_Reader: TypeAlias = Callable[[Any], Any] | None
"""Turns a stored JSON value into its field's type (None: the value is already the field's type)."""
_READERS: dict[type, tuple[tuple[str, _Reader], ...]] = {}


def _readers(cls: type) -> tuple[tuple[str, _Reader], ...]:
    known = _READERS.get(cls)
    if known is None:
        known = _READERS[cls] = tuple((spec.name, _reader(spec.kind)) for spec in _specs(cls))
    return known


def _reader(kind: Any) -> _Reader:
    if kind in (str, bool, int):
        return None
    if kind is float:
        return float
    if kind is datetime:
        return lambda raw: raw if isinstance(raw, datetime) else datetime.fromisoformat(raw)
    origin = get_origin(kind)
    if origin is tuple:
        inner = _reader(get_args(kind)[0])
        return tuple if inner is None else (lambda raw: tuple(inner(v) for v in raw))
    if origin is dict:
        return dict
    if isinstance(kind, type) and issubclass(kind, Enum):
        members = kind._value2member_map_

        def member(raw: Any) -> Any:
            found = members.get(raw)
            return kind(raw) if found is None else found

        return member
    if isinstance(kind, type) and issubclass(kind, Payload):
        return lambda raw: _trusted(kind, raw)
    return None


def field_specs(cls: type[Payload]) -> tuple[_Spec, ...]:
    """The fields of a payload type as the schema-agreement test reads them."""
    return _specs(cls)
