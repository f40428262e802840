"""The application reads stored events with orjson (``careplan.adapters.decoding``) through the library's mapper
(``careplan.adapters.sealing.SealingMapper``): these tests hold it to the library's own mapper and JSON decoder, value for value and type for type,
over every event and snapshot of a demo cohort, and at the edges where orjson and ``json`` differ."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)

from careplan.adapters import transcodings
from careplan.adapters.decoding import OrjsonTranscoder
from careplan.adapters.sealing import SealingMapper
from careplan.application import CarePlan
from careplan.domain.values import Actor


def library_transcoder(cls: type[JSONTranscoder] = JSONTranscoder) -> JSONTranscoder:
    transcoder = cls()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    transcodings.register(transcoder)
    return transcoder


def same(a: Any, b: Any, where: str = "") -> None:
    """Equal and of the same type all the way down (``1 == 1.0`` and ``[1] != (1,)`` are not enough)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for n, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{n}]")
    elif hasattr(a, "__dict__") and not isinstance(a, (datetime, UUID)):
        same(vars(a), vars(b), f"{where}<{type(a).__name__}>")
    else:
        assert a == b, where


def test_every_event_and_snapshot_of_a_cohort_reads_as_the_library_reads_it(reader: CarePlan) -> None:
    library = Mapper(transcoder=library_transcoder())
    assert isinstance(reader.mapper, SealingMapper) and isinstance(reader.mapper.transcoder, OrjsonTranscoder)
    notifications = reader.recorder.select_notifications(start=1, limit=1_000_000)
    topics = {n.topic.rpartition(".")[2] for n in notifications}
    assert {"JourneyOpened", "VitalsRecorded", "InfusionCompleted", "EventEnteredInError", "Claimed"} <= topics
    for n in notifications:
        same(reader.mapper.to_domain_event(n), library.to_domain_event(n), f"{n.topic}@{n.id}")
    journeys = {n.originator_id for n in notifications if n.topic.endswith("JourneyOpened")}
    assert reader.snapshots is not None
    snapshots = [s for j in journeys for s in reader.snapshots.recorder.select_events(j)]
    assert snapshots, "the cohort has journeys past the snapshot interval"
    for s in snapshots:
        same(reader.mapper.to_domain_event(s), library.to_domain_event(s), f"snapshot {s.originator_id}")


@pytest.mark.parametrize(
    "text",
    [
        b'{"n":123456789012345678901234567890}',  # beyond 64 bits: orjson would give a float
        b'{"n":[-9223372036854775809]}',
        b'{"n":18446744073709551615}',
        b'{"x":NaN,"y":Infinity}',  # json accepts these literals, orjson refuses them
        b'{"s":"\\ud800"}',  # a lone surrogate
        b'{"a":1,"a":2}',
        b'{"f":1.0,"g":0.1,"h":-0,"i":1e300}',
        b'{"t":{"_type_":"datetime_iso","_data_":"2026-03-02T15:30:00+00:00"},"l":[{"_type_":"uuid_hex","_data_":"'
        + uuid4().hex.encode()
        + b'"},{"_type_":"careplan_actor","_data_":{"id":"c1","role":"clinician"}}]}',
        b'{"_type_":"x","other":1}',  # a dict that only looks like a wrapper
        # wrappers in a wrapper's data: a history entry as older snapshots stored it
        b'{"f":{"_type_":"careplan_fact","_data_":{"version":1,"type":"NoteAdded","occurred_at":{"_type_":'
        b'"datetime_iso","_data_":"2026-03-02T15:30:00+00:00"},"recorded_at":{"_type_":"datetime_iso","_data_":'
        b'"2026-03-02T15:31:00+00:00"},"actor":{"_type_":"careplan_actor","_data_":{"id":"c1","role":"clinician"}},'
        b'"reason":null,"data":{},"hash":"h"}}}',
        b'{"when":{"_type_":"datetime_iso","_data_":"2026-03-02T15:30:00+00:00"},"text":"_type_"}',
        b'{"when":{"_type_":"datetime_iso","_data_":"2026-03-02T15:30:00+00:00"},'
        b'"d":{"\\u005ftype_":"datetime_iso","_data_":"2026-03-02T15:30:00+00:00"}}',  # an escaped key
        b'{"when":{"_type_":"datetime_iso","_data_":"2026-03-02T15:30:00+00:00"},"note":"said \\"_type_\\""}',
    ],
)
def test_text_where_orjson_and_json_differ_reads_as_json_reads_it(text: bytes) -> None:
    expected = library_transcoder().decode(text)
    got = library_transcoder(OrjsonTranscoder).decode(text)
    if isinstance(expected.get("x"), float) and math.isnan(expected["x"]):
        assert math.isnan(got["x"]) and got["y"] == math.inf
    else:
        same(got, expected)


def test_a_wide_integer_stays_an_integer() -> None:
    got = library_transcoder(OrjsonTranscoder).decode(b'{"n":123456789012345678901234567890}')
    assert got["n"] == 123456789012345678901234567890 and type(got["n"]) is int


def test_an_unknown_wrapper_is_refused_as_the_library_refuses_it() -> None:
    with pytest.raises(TranscodingNotRegisteredError):
        library_transcoder(OrjsonTranscoder).decode(b'{"v":{"_type_":"nope","_data_":1}}')


def test_a_corrupt_event_is_a_deserialisation_error_naming_where_it_is() -> None:
    mapper = SealingMapper(transcoder=library_transcoder(OrjsonTranscoder))
    journey = uuid4()
    broken = StoredEvent(journey, 3, "careplan.domain.journey:PatientJourney.NoteAdded", b'{"timestamp":')
    with pytest.raises(MapperDeserialisationError, match=f"{journey}.*3"):
        mapper.to_domain_event(broken)


def test_the_write_path_is_the_library_s_so_what_is_stored_does_not_change() -> None:
    event = {"when": datetime(2026, 3, 2, tzinfo=timezone.utc), "actor": Actor("c1", "clinician"), "n": [1, 2.5]}
    assert library_transcoder(OrjsonTranscoder).encode(event) == library_transcoder().encode(event)
