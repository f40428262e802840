"""Transcodings for the value types that the library's JSON transcoder does not keep by itself.

Events carry an :class:`Actor`; snapshots carry the history as :class:`Fact` objects. Without these,
the transcoder refuses to store them, or (for tuples and str-Enums) silently hands back other types.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from careplan.domain import record as records
from careplan.domain.family import payload_type
from careplan.domain.payload import Payload
from careplan.domain.values import Actor, Fact


class ActorAsDict(Transcoding):
    type = Actor
    name = "careplan_actor"

    def encode(self, obj: Actor) -> dict[str, str]:
        return {"id": obj.id, "role": obj.role}

    def decode(self, data: dict[str, str]) -> Actor:
        return _actor(data["id"], data["role"])


class FactAsDict(Transcoding):
    type = Fact
    name = "careplan_fact"

    def encode(self, obj: Fact) -> dict[str, Any]:
        return {
            "version": obj.version,
            "type": obj.type,
            "occurred_at": obj.occurred_at,
            "recorded_at": obj.recorded_at,
            "actor": obj.actor,
            "reason": obj.reason,
            "data": obj.data,
            "hash": obj.hash,
            **({"deviation": obj.deviation, "deviated": list(obj.deviated)} if obj.deviation is not None else {}),
        }

    def decode(self, data: dict[str, Any]) -> Fact:
        if "deviated" in data:
            data = {**data, "deviated": tuple(data["deviated"])}
        return Fact(**data)


class FactAsRow(Transcoding):
    """A history entry as one positional row: the form snapshots are written in.

    A snapshot holds the whole history, so its size and decoding time grow with the journey. A row
    with its times as plain ISO strings and the actor inline costs the decoder two callbacks per
    fact (the row's wrapper and its data) instead of seven, and half the bytes. ``FactAsDict`` stays
    registered so that snapshots written in the older form are still read.
    """

    type = Fact
    name = "careplan_fact_row"

    def encode(self, obj: Fact) -> list[Any]:
        actor = obj.actor
        return [
            obj.version,
            obj.type,
            obj.occurred_at.isoformat(),
            obj.recorded_at.isoformat(),
            actor.id,
            actor.role,
            obj.reason,
            obj.data,
            obj.hash,
        ]

    def decode(self, row: list[Any]) -> Fact:
        # Loading a long journey decodes one row per event, so this is the hot path of a load:
        # Fact is a frozen dataclass without __post_init__, and filling its __dict__ directly gives
        # the same object as Fact(...) at under half the cost; actors repeat, so they are shared.
        version, type_, occurred_at, recorded_at, actor_id, role, reason, data, hash_ = row
        fact = _new(Fact)
        fact.__dict__.update(
            version=version,
            type=type_,
            occurred_at=_from_iso(occurred_at),
            recorded_at=_from_iso(recorded_at),
            actor=_actor(actor_id, role),
            reason=reason,
            data=data,
            hash=hash_,
        )
        return fact


_new = object.__new__
_from_iso = datetime.fromisoformat


@lru_cache(maxsize=4096)
def _actor(actor_id: str, role: str) -> Actor:
    """One value per (id, role): a clinic has few actors and each event names one, so a replay or a
    catch-up builds each actor once instead of once per event (an Actor is immutable)."""
    return Actor(actor_id, role)


class DateAsISO(Transcoding):
    """Dates (a date of birth in a migrated record, a lab's collection date) keep their type."""

    type = date
    name = "careplan_date"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


_RECORD_PARTS: dict[str, type] = {
    cls.__name__: cls
    for cls in (records.Entry, records.Assessment, records.Infusion, records.Appointment, records.Alert, records.Vitals, records.Settling)
}


def _encode(value: Any) -> Any:
    """A record's value in JSON-ready form, tagged where JSON would lose its type."""
    if isinstance(value, Payload):
        return {"$p": value.event_type, "d": value.as_data()}
    if isinstance(value, (str, int, float, bool, datetime)) or value is None:
        return value
    if type(value).__name__ in _RECORD_PARTS:
        return {"$c": type(value).__name__, **{k: _encode(getattr(value, k)) for k in value.__dataclass_fields__}}
    if isinstance(value, (set, frozenset)):
        return {"$s": sorted(_encode(v) for v in value)}
    if isinstance(value, tuple):
        return {"$t": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    raise TypeError(f"a clinical record cannot keep a {type(value).__name__}")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$p" in value:
        return payload_type(value["$p"]).parse(value["d"], trusted=True)
    if "$c" in value:
        cls = _RECORD_PARTS[value["$c"]]
        return cls(**{k: _decode(v) for k, v in value.items() if k != "$c"})
    if "$s" in value:
        return {_decode(v) for v in value["$s"]}
    if "$t" in value:
        return tuple(_decode(v) for v in value["$t"])
    return {k: _decode(v) for k, v in value.items()}


class RecordAsDict(Transcoding):
    """The clinical record, the aggregate's state, as snapshots keep it: its fields, not its history."""

    type = records.ClinicalRecord
    name = "careplan_record"

    def encode(self, obj: records.ClinicalRecord) -> dict[str, Any]:
        return {name: _encode(getattr(obj, name)) for name in records.state_fields()}

    def decode(self, data: dict[str, Any]) -> records.ClinicalRecord:
        record = records.ClinicalRecord(**{name: _decode(value) for name, value in data.items()})
        missing = frozenset(records.state_fields()) - set(data)
        if missing:
            # A snapshot from before a field was added (the stopped infusions, say): its default would
            # be a guess, so the journey is refolded from its history once, and the verifier compares
            # only the fields the snapshot kept (``OLDER_SNAPSHOT``).
            record.__dict__[records.OLDER_SNAPSHOT] = missing
        return record


def register(transcoder: JSONTranscoder) -> None:
    for transcoding in (ActorAsDict(), FactAsDict(), FactAsRow(), DateAsISO(), RecordAsDict()):
        transcoder.register(transcoding)
