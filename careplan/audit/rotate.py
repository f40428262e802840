"""Moving a store to a new encryption key: copy every table the old store holds, then prove the copy.

Events are immutable and AES-GCM rows are bound to the key that wrote them (and, with issue 18, to
their place), so a key is rotated by copying, not by rewriting in place. What each table becomes:

- events (journeys, patients and their index, accounts: the application sequence), in the order
  they were recorded, and snapshots: each read through the old store's mapper and written through
  the new one's, which is the one place rows are sealed. Never a copy of the ciphertext's bytes.
- the access log, chair bookings and sign-in failures: copied row for row (they hold no ciphertext).
  The access log keeps its ids, its ``prev_hash`` and ``hash``, so its chain continues unbroken and a
  head saved before the rotation (``careplan verify --heads``) still names the same entry.
- sessions: not carried. Their data is sealed with the old key, and a rotation is done with every
  process stopped anyway: everyone signs in again (the command says how many sessions ended).
- the read views: rebuilt in the new store from the copied events.

A table this module does not know is refused before anything is copied (``UnknownTable``): a new side
table must say here how it is carried, so no rotation silently leaves one behind. The old store is
never written to, so it stays the fallback until the copy is verified.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from careplan import booking
from careplan.adapters import event_tables, schema, server_keys, sessions, sign_ins
from careplan.adapters.settings import ConfigError
from careplan.adapters.side_tables import SideTables
from careplan.application import CarePlan
from careplan.audit import access_log, access_start
from careplan.audit.stored import PAGE
from careplan.audit.verify import Report, verify_store
from careplan.messaging import outbox

CHAIR_BOOKINGS = "chair_bookings"
COPIED = (access_log.TABLE, CHAIR_BOOKINGS, sign_ins.TABLE)
"""Side tables carried row for row, each in the order of its first column (the access log's id)."""
ENDED = (sessions.TABLE, server_keys.TABLE)
"""Tables not carried: sessions are sealed with the old key and every session ends (sign in again);
the server's own secrets (demo mode's) are made anew, so failures counted so far are forgotten."""
REMADE = (schema.TABLE, access_start.TABLE, *outbox.TABLES)
"""Tables the new store writes for itself: the schema version, where its access log's chain starts
(the copied entries carry their hashes, so the chain holds from the first), and the outbox's index of
journeys with messages waiting (made again from the events: the first dispatch reads them all)."""
ROWS_PER_BATCH = 5_000


class UnknownTable(ConfigError):
    """The old store holds a table the rotation does not know how to carry."""

    def __init__(self, tables: list[str]) -> None:
        super().__init__(
            f"the old store holds tables the rotation does not know how to carry ({', '.join(tables)}): "
            "nothing was copied; add them to careplan.audit.rotate first"
        )


@dataclass(frozen=True)
class Views:
    """The read views, which live in an outer layer: the tables they own (with their position) and how
    the new store's are rebuilt from its events (returns how many events they took in)."""

    tables: frozenset[str]
    rebuild: Callable[[CarePlan], int]


@dataclass(frozen=True)
class Rotation:
    events: int
    journeys: int
    report: Report
    snapshots: int = 0
    rows: tuple[tuple[str, int], ...] = ()
    """Rows copied per side table."""
    sessions_ended: int = 0
    viewed: int = 0
    """Events the rebuilt views took in."""


def rotate(source: CarePlan, target: CarePlan, views: Views | None = None) -> Rotation:
    """Copies every table of ``source`` into the empty ``target`` under its cipher, rebuilds the
    views and verifies the copy (every chain, the access log's included)."""
    old, new = SideTables(source), SideTables(target)
    _make_side_tables(target, new)
    present = tables_of(old)
    _refuse_unknown(source, present, views.tables if views else frozenset())
    _refuse_non_empty(target, new)
    events, originators = _copy_events(source, target)
    snapshots = _copy_snapshots(source, target, originators)
    rows = tuple((table, _copy_rows(old, new, table) if table in present else 0) for table in COPIED)
    ended = _count(old, sessions.TABLE) if sessions.TABLE in present else 0
    viewed = views.rebuild(target) if views else 0
    report = verify_store(target)
    return Rotation(events, len(report.journeys), report, snapshots, rows, ended, viewed)


def _make_side_tables(target: CarePlan, new: SideTables) -> None:
    """The new store's side tables, as the application makes them (or only checks them when the role
    connected may not create: ``careplan db setup`` made them)."""
    access_log.AccessLog(target)
    sessions.Sessions(target)
    sign_ins.SignInFailures(target)
    new.create(booking.TABLES)


def known_tables(app: CarePlan, views: frozenset[str] = frozenset()) -> set[str]:
    """Every table the rotation knows how to carry, end or rebuild in ``app``'s store."""
    return {*event_tables.table_names(app), *COPIED, *ENDED, *REMADE, *views}


def tables_of(tables: SideTables) -> set[str]:
    """The tables in the store's schema (SQLite's own bookkeeping and a rebuild's shadows aside)."""
    query = (
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        if tables.postgres
        else "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    with tables.cursor(commit=False) as run:
        names = {str(row[0]) for row in run(query, ())}
    return {name for name in names if not name.startswith("rebuild_read_")}


def _refuse_unknown(source: CarePlan, present: set[str], views: frozenset[str]) -> None:
    unknown = sorted(present - known_tables(source, views))
    if unknown:
        raise UnknownTable(unknown)


def _refuse_non_empty(target: CarePlan, new: SideTables) -> None:
    held = bool(target.recorder.select_notifications(start=1, limit=1))
    there = tables_of(new)  # a table made on first use (the server's secrets) may not exist yet
    if held or any(_count(new, table) for table in (*COPIED, *ENDED) if table in there):
        raise ConfigError("the new store is not empty: rotate into a new, empty database")


def _copy_events(source: CarePlan, target: CarePlan) -> tuple[int, list[UUID]]:
    """Every event in notification order, decoded by the old mapper and sealed by the new one."""
    copied = 0
    originators: dict[UUID, None] = {}
    start = 1
    while True:
        batch = source.recorder.select_notifications(start=start, limit=PAGE)
        if batch:
            events = [source.mapper.to_domain_event(stored) for stored in batch]
            target.recorder.insert_events([target.mapper.to_stored_event(event) for event in events])
            copied += len(batch)
            originators.update((UUID(str(stored.originator_id)), None) for stored in batch)
        if len(batch) < PAGE:
            return copied, list(originators)
        start = batch[-1].id + 1


def _copy_snapshots(source: CarePlan, target: CarePlan, originators: Iterable[UUID]) -> int:
    """Every snapshot of every aggregate, through the snapshot stores' mappers."""
    if source.snapshots is None or target.snapshots is None:
        return 0
    copied = 0
    old, new = source.snapshots, target.snapshots
    for originator_id in originators:
        rows = old.recorder.select_events(originator_id)
        if rows:
            new.recorder.insert_events([new.mapper.to_stored_event(old.mapper.to_domain_event(row)) for row in rows])
            copied += len(rows)
    return copied


def _copy_rows(old: SideTables, new: SideTables, table: str) -> int:
    """The table's rows as they are, a batch at a time in the order of its first column; an ``id``
    column's sequence is moved past the copied ids (PostgreSQL), so the next entry follows them."""
    columns = _columns(old, table)
    key, names = columns[0], ", ".join(columns)
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    copied = 0
    for batch in _batches(old, f"SELECT {names} FROM {table}", key):
        with new.cursor(commit=True) as run:
            for row in batch:
                run(insert, row)
        copied += len(batch)
    if copied and new.postgres and key == "id":
        with new.cursor(commit=True) as run:
            run(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))", ())
    return copied


def _batches(tables: SideTables, select: str, key: str) -> Iterator[list[tuple[Any, ...]]]:
    """Rows in keyset pages of an integer ``id``, or all at once for a table without one (bookings
    of open appointments, sign-in failures of the last minutes: small)."""
    if key != "id":
        with tables.cursor(commit=False) as run:
            rows = run(select, ())
        if rows:
            yield rows
        return
    after = -1
    while True:
        with tables.cursor(commit=False) as run:
            rows = run(f"{select} WHERE id > ? ORDER BY id LIMIT ?", (after, ROWS_PER_BATCH))
        if rows:
            yield rows
            after = int(rows[-1][0])
        if len(rows) < ROWS_PER_BATCH:
            return


def _columns(tables: SideTables, table: str) -> list[str]:
    if tables.postgres:
        query = (
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
        )
        params: tuple[Any, ...] = (table,)
    else:
        query, params = f"SELECT name FROM pragma_table_info('{table}') ORDER BY cid", ()
    with tables.cursor(commit=False) as run:
        return [str(row[0]) for row in run(query, params)]


def _count(tables: SideTables, table: str) -> int:
    with tables.cursor(commit=False) as run:
        return int(run(f"SELECT COUNT(*) FROM {table}", ())[0][0])
