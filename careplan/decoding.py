"""Reading stored events fast: the same objects as the library's mapper and JSON decoder give, for
about half the cost.

Every read of the store (a load, a replay, the read model's catch-up) decodes each event's JSON, and
with the standard library's decoder that parse cost as much as reading the row: a catch-up of the
notification log spent more time in ``json`` than in SQLite. orjson parses the same text in C; the
library's ``{"_type_": ..., "_data_": ...}`` wrappers are then revived bottom-up, as the standard
decoder's ``object_hook`` would have revived them, by the same registered transcodings.

Only decoding changes: events are still written by the library's encoder, so what is stored is
byte for byte what it was. Text orjson refuses but ``json`` accepts (``NaN``, integers beyond 64
bits) falls back to the library's decoder, so nothing that could be read before becomes unreadable
or reads as another value.

``ReadingMapper`` is the library's mapper with the per-event lookups (the topic's class, its id
convertor) kept per topic instead of resolved for every event. It is also the one place rows are
sealed and opened: with ``careplan.sealing.PlaceCipher`` each row is bound to its place (aggregate id,
version, topic), so every reader that goes through it (loads, the verifier, the catch-up's
``FactReader``, a key rotation's copy) refuses a row copied elsewhere. ``tests/cli/test_decoding.py``
decodes every event and snapshot of the demo cohort both ways and compares them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoding,
    TranscodingNotRegisteredError,
    find_id_convertor,
)
from eventsourcing.utils import get_topic, resolve_topic

from careplan.sealing import PlaceCipher, place

_WIDE = 2.0**63
"""orjson reads an integer beyond 64 bits as a float where ``json`` keeps it an int: a document with a
float this large (which no clinical value is) is read again by the library's decoder. (A check of the
text for long runs of digits instead was measured slower than this check made during the walk.)"""


class _Wide(Exception):
    pass


class OrjsonTranscoder(JSONTranscoder):
    """The library's JSON transcoder with a faster ``decode``; ``encode`` is the library's."""

    def decode(self, data: bytes) -> Any:
        try:
            parsed = orjson.loads(data)
            if type(parsed) is dict:
                return self._revive_dict(parsed)
            if type(parsed) is list:
                self._revive_list(parsed)
            return parsed
        except (orjson.JSONDecodeError, _Wide):
            return super().decode(data)

    # Bottom-up, like an object_hook: a wrapper's data is revived before the wrapper itself. The
    # common wrappers (a time, an actor: data with nothing inside to revive) and empty containers
    # are handled inline, since a call per dict was most of the decoding's cost.

    def _revive_dict(self, value: dict[str, Any]) -> Any:
        self._revive_items(value, value.items())
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            return self._transcoding(value["_type_"]).decode(value["_data_"])
        return value

    def _revive_list(self, value: list[Any]) -> None:
        self._revive_items(value, enumerate(value))

    def _revive_items(self, container: Any, items: Iterable[tuple[Any, Any]]) -> None:
        """Revives a dict's values or a list's items in place (``items``: its keys or indexes with
        their values; replacing one does not disturb the iteration)."""
        for key, item in items:
            kind = type(item)
            if kind is dict:
                if len(item) == 2 and "_type_" in item and _flat(item.get("_data_")):
                    container[key] = self._transcoding(item["_type_"]).decode(item["_data_"])
                elif item:
                    container[key] = self._revive_dict(item)
            elif kind is list:
                if item:
                    self._revive_list(item)
            elif kind is float and not -_WIDE < item < _WIDE:
                raise _Wide

    def _transcoding(self, name: Any) -> Transcoding:
        try:
            return self.names[name]
        except (KeyError, TypeError):
            raise TranscodingNotRegisteredError(
                f"Data serialized with name '{name}' is not deserializable. Please register a custom "
                "transcoding for this type."
            ) from None


def _flat(data: Any) -> bool:
    """Wrapper data with nothing inside to revive: a string (a time, an id), or an actor's two strings."""
    if type(data) is str:
        return True
    return type(data) is dict and len(data) == 2 and type(data.get("id")) is str and type(data.get("role")) is str


class ReadingMapper(Mapper[UUID]):
    """The library's ``Mapper`` with each topic's class, class version and id convertor looked up
    once, and each row sealed with its place when the cipher can (``careplan.sealing``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._topics: dict[tuple[str, type], tuple[type, int, Callable[[Any], Any]]] = {}
        self._sealing = self.cipher if isinstance(self.cipher, PlaceCipher) else None

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        """The library's, but sealed with the row's place (the library encrypts without one)."""
        if self._sealing is None:
            return super().to_stored_event(domain_event)
        topic = get_topic(domain_event.__class__)
        event_state = dict(vars(domain_event))
        originator_id = event_state.pop("originator_id")
        originator_version = event_state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            event_state["class_version"] = class_version
        state = self.transcoder.encode(event_state)
        if self.compressor:
            state = self.compressor.compress(state)
        state = self._sealing.seal(state, place(originator_id, originator_version, topic))
        return StoredEvent(originator_id=originator_id, originator_version=originator_version, topic=topic, state=state)

    def opened(self, stored_event: StoredEvent) -> bytes:
        """A row's plain bytes: opened at its place (or decrypted, for a cipher without places) and
        decompressed. ``ValueError`` (or the cipher's own error) when it does not open."""
        state = stored_event.state
        if self._sealing is not None:
            where = place(stored_event.originator_id, stored_event.originator_version, stored_event.topic)
            state = self._sealing.open(state, where)
        elif self.cipher:
            state = self.cipher.decrypt(state)
        if self.compressor:
            state = self.compressor.decompress(state)
        return state

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        topic, originator_id = stored_event.topic, stored_event.originator_id
        key = (topic, type(originator_id))
        try:
            cls, class_version, convert = self._topics[key]
        except KeyError:
            cls = resolve_topic(topic)
            class_version = getattr(cls, "class_version", 1)
            convert = find_id_convertor(cls, cast(Hashable, type(originator_id)))
            self._topics[key] = (cls, class_version, convert)
        try:
            event_state: dict[str, Any] = self.transcoder.decode(self.opened(stored_event))
        except Exception as e:
            raise MapperDeserialisationError(
                f"Failed to deserialise state of stored event with topic '{topic}', originator_id "
                f"'{originator_id}' and originator_version {stored_event.originator_version}: {e}"
            ) from e
        event_state["originator_id"] = convert(originator_id)
        event_state["originator_version"] = stored_event.originator_version
        from_version = event_state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(event_state)
            from_version += 1
        domain_event: Any = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", event_state)
        return domain_event


_ENVELOPE_WRAPPERS = 3
"""A recorded journey event's envelope holds three wrappers (its two times and its actor); its data is
stored plain (``Payload.as_data``). A state with any other count is read the general way."""


class FactReader:
    """Reads a journey's recorded events straight into the facts the fold takes, without building the
    library's event object on the way: the read model's catch-up decodes every event in the log, and
    the event object, the envelope's revival and ``fact_of`` cost more than the fold itself.

    ``fact`` gives None for anything it does not read this way (an opening, an event class that
    upcasts, a state of another shape); the caller then reads it with the mapper and ``fact_of``,
    which give the same fact (``tests/cli/test_decoding.py`` compares the two over a cohort).
    """

    def __init__(self, mapper: ReadingMapper, recorded: type, fact_type: Any) -> None:
        """``fact_type``: the domain's ``Fact`` (its ``stored`` makes one from a dict of its fields)."""
        self.mapper = mapper
        self._recorded = recorded
        self._fact_type = fact_type
        self._names: dict[str, str] = {}
        self._transcoder = cast(OrjsonTranscoder, mapper.transcoder)
        names = self._transcoder.names
        times = names["datetime_iso"]
        # The library's own transcoding is datetime.fromisoformat with an assert: called directly.
        self._time = datetime.fromisoformat if type(times) is DatetimeAsISO else times.decode
        self._actor = names["careplan_actor"].decode

    def fact(self, stored_event: StoredEvent) -> Any:
        topic = stored_event.topic
        name = self._names.get(topic)
        if name is None:
            name = self._names[topic] = self._name_of(topic)
        if not name:
            return None
        state = self.mapper.opened(stored_event)
        wrappers = state.count(b'"_type_"')
        if wrappers < _ENVELOPE_WRAPPERS:
            return None
        try:
            d = orjson.loads(state)
            timestamp, occurred_at, actor, data = d["timestamp"], d["occurred_at"], d["actor"], d["data"]
            if (
                len(timestamp) != 2 or timestamp["_type_"] != "datetime_iso"
                or len(occurred_at) != 2 or occurred_at["_type_"] != "datetime_iso"
                or len(actor) != 2 or actor["_type_"] != "careplan_actor"
                or type(data) is not dict
            ):
                return None
            if wrappers == _ENVELOPE_WRAPPERS:
                if not _narrow(data):
                    return None
            else:  # wrappers inside the data too (a booking's time): revived as the mapper would
                data = self._transcoder._revive_dict(data)
            time = self._time
            deviation = d.get("deviation")
            return self._fact_type.stored({
                "version": stored_event.originator_version,
                "type": name,
                "occurred_at": time(occurred_at["_data_"]),
                "recorded_at": time(timestamp["_data_"]),
                "actor": self._actor(actor["_data_"]),
                "reason": d["reason"],
                "data": data,
                "hash": d["hash"],
                "deviation": deviation,
                "deviated": tuple(d.get("deviated") or ()) if deviation is not None else (),
            })
        except (orjson.JSONDecodeError, _Wide, KeyError, TypeError, ValueError, AssertionError):
            return None

    def _name_of(self, topic: str) -> str:
        cls = resolve_topic(topic)
        if isinstance(cls, type) and issubclass(cls, self._recorded) and getattr(cls, "class_version", 1) == 1:
            return cls.__name__
        return ""


def _narrow(data: Any) -> bool:
    """No float that orjson may have read from an integer too wide for it (see ``_WIDE``); ``data`` is a
    dict or a list."""
    value: Any
    for value in data.values() if type(data) is dict else data:
        kind = type(value)
        if kind is float:
            if not -_WIDE < value < _WIDE:
                return False
        elif (kind is dict or kind is list) and value and not _narrow(value):
            return False
    return True
