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

The transcoder is the library's extension point for this (``Application.construct_transcoder``):
the mapper, its topic lookups (which the library caches) and the sealing of rows
(``careplan.adapters.sealing.SealingMapper``) are the library's or wrap it. ``tests/cli/test_decoding.py``
decodes every event and snapshot of the demo cohort both ways and compares them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import orjson
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Transcoding, TranscodingNotRegisteredError

_WIDE = 2.0**63
"""orjson reads an integer beyond 64 bits as a float where ``json`` keeps it an int: a document with a
float this large (which no clinical value is) is read again by the library's decoder. (A check of the
text for long runs of digits instead was measured slower than this check made during the walk.)"""


class _Wide(Exception):
    pass


class OrjsonTranscoder(JSONTranscoder):
    """The library's JSON transcoder with a faster ``decode``; ``encode`` is the library's."""

    def __init__(self) -> None:
        super().__init__()
        self._decoders: dict[str, Callable[[Any], Any]] = {}

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._decoders.clear()

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
                    container[key] = self._decoder(item["_type_"])(item["_data_"])
                elif item:
                    container[key] = self._revive_dict(item)
            elif kind is list:
                if item:
                    self._revive_list(item)
            elif kind is float and not -_WIDE < item < _WIDE:
                raise _Wide

    def _decoder(self, name: Any) -> Callable[[Any], Any]:
        """The registered transcoding's ``decode`` for ``name``, looked up once per name. The library's
        own time transcoding is ``datetime.fromisoformat`` behind an assertion that the data is a
        string, which ``_flat`` has just checked: it is called directly (every event has two times)."""
        try:
            return self._decoders[name]
        except KeyError:
            decode: Callable[[Any], Any] = self._transcoding(name).decode
            if type(self.names.get(name)) is DatetimeAsISO:
                decode = datetime.fromisoformat
            self._decoders[name] = decode
            return decode
        except TypeError:
            return self._transcoding(name).decode  # an unhashable name: refused there

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
