"""A long catch-up shared with a forked copy of the process (``events.read.split``): it writes what a
catch-up in one process writes, and what a rebuild from the history writes; every notification is
read by exactly one part; a copy that fails leaves its share to this process; an in-memory store is
never shared."""

from __future__ import annotations

from datetime import timedelta

import pytest

import events.read.projection as projection
import events.read.split as split
from events.read.projection import Projector
from events.read.rebuild import rebuild
from events.read.runtime import read_store_for
from events.read.store import VIEW_TABLES, ReadStore
from tests.scheduling.journeys import CLINICIAN, phq9, ready_for_induction, record, schedule


def clinic(app, clock) -> list:  # type: ignore[no-untyped-def]
    """Interleaved journeys at different stages, past the snapshot interval, with a correction."""
    journeys = [app.open_journey(f"MRN-S{i}", actor=CLINICIAN) for i in range(10)]
    for turn in range(3):
        for n, journey in enumerate(journeys):
            clock.advance(minutes=7)
            record(app, journey, "NoteAdded", text=f"note {turn}")
            if turn == 1 and n % 3 == 0:
                ready_for_induction(app, journey)
                schedule(app, journey, clock.now + timedelta(days=2))
    phq9(app, journeys[1], 1, "other")  # a safety alert
    wrong = record(app, journeys[4], "NoteAdded", text="wrong patient")
    record(app, journeys[4], "EventEnteredInError", target_version=wrong, reason="Recorded on the wrong chart.")
    return journeys


def rows_of(store: ReadStore) -> list[tuple]:
    with store.read() as cur:
        return [
            (table, *tuple(r))
            for tables in VIEW_TABLES.values()
            for table in tables
            for r in cur.run(f"SELECT * FROM {table} ORDER BY 1, 2").all()
        ]


def emptied(store: ReadStore) -> ReadStore:
    with store.write() as cur:
        for tables in VIEW_TABLES.values():
            for table in tables:
                cur.run(f"DELETE FROM {table}")
        store.set_position(cur, 0)
    return store


@pytest.fixture
def backlog(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any backlog is long enough to share (a real one is tens of thousands of notifications)."""
    monkeypatch.setattr(projection, "SPLIT_FROM", 1)


def test_a_shared_catch_up_writes_what_one_process_writes(make_app, store_url, clock, backlog):
    app = make_app(store_url, clock, snapshot_interval=4)
    journeys = clinic(app, clock)
    store = read_store_for(app)
    assert split.can_split(app)
    shared = Projector(app, store)
    assert shared.catch_up(split=True) == len(app.recorder.select_notifications(start=1, limit=10_000))
    assert shared.shared == 1 and store.position() == app.recorder.max_notification_id()
    written = rows_of(store)
    assert Projector(app, emptied(store)).catch_up() > 0
    assert rows_of(store) == written
    report = rebuild(app, store)
    assert report.equal, report.differences[:3]
    assert report.compared == len(journeys)


def test_every_notification_is_read_by_exactly_one_part_and_a_journey_by_one(make_app, store_url, clock):
    app = make_app(store_url, clock)
    clinic(app, clock)
    everything = app.recorder.select_notifications(start=1, limit=10_000)
    stop = everything[-1].id
    parts = [split.notifications(app, 1, stop, part) for part in (0, 1)]
    assert all(parts)
    assert sorted(n.id for part in parts for n in part) == [n.id for n in everything]
    assert [n for part in parts for n in part if n.id == everything[5].id] == [everything[5]]  # the same objects' values
    owners = [{n.originator_id for n in part} for part in parts]
    assert not owners[0] & owners[1]
    assert [n.id for n in split.notifications(app, 3, 9, 0)] == [n.id for n in parts[0] if 3 <= n.id <= 9]


def test_a_copy_that_fails_leaves_its_share_to_this_process(make_app, sqlite_url, clock, backlog, monkeypatch):
    app = make_app(sqlite_url, clock)
    clinic(app, clock)
    store = read_store_for(app)
    Projector(app, store).catch_up()
    expected = rows_of(store)

    def broken(parent):  # type: ignore[no-untyped-def]
        raise OSError("the copy cannot open the store")

    monkeypatch.setattr(split, "_own_projector", broken)
    projector = Projector(app, emptied(store))
    assert projector.catch_up(split=True) > 0
    assert projector.shared == 0  # nothing came back from the copy
    assert rows_of(store) == expected


@pytest.mark.parametrize("late", [False, True], ids=["a little late", "stuck"])
def test_a_copy_that_is_late_never_holds_the_lock_and_one_that_is_stuck_is_killed(
    make_app, sqlite_url, clock, backlog, monkeypatch, late
):
    import time

    app = make_app(sqlite_url, clock)
    clinic(app, clock)
    store = read_store_for(app)
    Projector(app, store).catch_up()
    expected = rows_of(store)
    slow = split._own_projector

    def sleepy(parent):  # type: ignore[no-untyped-def]
        time.sleep(1.0 if late else 3600)
        return slow(parent)

    monkeypatch.setattr(split, "_own_projector", sleepy)
    monkeypatch.setattr(split, "GRACE", 0.1)  # the lock is let go before the copy is done
    monkeypatch.setattr(split, "PATIENCE", 2.0)
    projector = Projector(app, emptied(store))
    started = time.monotonic()
    assert projector.catch_up(split=True) > 0
    assert time.monotonic() - started < 10
    assert projector.shared == (1 if late else 0)  # the late copy's share is taken; the stuck one's redone
    assert rows_of(store) == expected


def test_an_in_memory_store_is_never_shared(make_app, clock):
    app = make_app("sqlite:///:memory:", clock)
    assert not split.can_split(app)


def test_a_journey_met_at_its_first_event_starts_from_its_snapshot(make_app, sqlite_url, clock):
    """Its events up to the snapshot are not decoded, and its rows are those of its whole history."""
    app = make_app(sqlite_url, clock, snapshot_interval=5)
    journey = app.open_journey("MRN-SNAP", actor=CLINICIAN)
    for n in range(11):
        record(app, journey, "NoteAdded", text=f"note {n}")  # versions 2 to 12: snapshots at 5 and 10
    store = read_store_for(app)
    projector = Projector(app, store)
    decoded: list[int] = []
    decode = projector.folder.decode
    projector.folder.decode = lambda n: decoded.append(n.originator_version) or decode(n)  # type: ignore[method-assign]
    projector.catch_up()
    assert decoded == [11, 12]
    with store.read() as cur:
        assert cur.run("SELECT version FROM read_journeys").one()["version"] == 12
    report = rebuild(app, store)
    assert report.equal, report.differences[:3]
