"""A long catch-up on more than one core: a window's journeys shared between this process and a
forked copy, each folding its share of the same stretch of the log.

Each part reads, from the same stretch of notification ids, the notifications of its own journeys
(the store is asked for those whose journey id is odd, or even, in its last bit: every journey falls
to exactly one part), folds them and computes the rows. The forked part sends its rows back through
a pipe; this process writes them all and moves the position in one transaction, exactly as a window
of one process does (``events.read.projection``). A part that fails is done again here, so the
result never depends on the copy having worked.

Forking copies the whole process, threads' locks included, so it is only done where the process is
nothing but the catch-up at that moment: the command line's ``projections catch-up`` and
``rebuild``, the demo's read views, the benchmark. The web app and the scheduler catch up in one
process. An in-memory SQLite database belongs to its process, so it is never split; neither is a
platform without ``fork``.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from careplan.application import CarePlan
from events.read.rows import JourneyRows
from events.read.store import ReadStore

if TYPE_CHECKING:
    from events.read.projection import Projector

PARTS = 2
"""This process and one copy: the machines this runs on have two cores or more."""


def can_split(app: CarePlan) -> bool:
    """Whether a forked copy can open this application's store on its own."""
    if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        return False
    if app.store.kind == "postgres":
        return True
    return not getattr(app.recorder.datastore.pool, "is_sqlite_memory_mode", True)  # type: ignore[attr-defined]


def window_rows(projector: Projector, start: int, stop: int) -> tuple[list[JourneyRows], int, int | None, set[str]]:
    """The rows of every journey changed by notifications ``start`` to ``stop`` (ids, inclusive), how
    many notifications there were and the last one's id, and the journeys whose rows the copy
    computed (this process's folder does not hold them up to date)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: its own connections, never the parent's
        os.close(read_fd)
        _child(projector, start, stop, write_fd)
    os.close(write_fd)
    try:
        mine, read, last, _ = projector.part_rows(start, stop, 0)
    finally:
        with os.fdopen(read_fd, "rb") as pipe:
            sent = pipe.read()
        os.waitpid(pid, 0)
    try:
        theirs, their_read, their_last = pickle.loads(sent)
        elsewhere = {r.journey_id for r in theirs}
    except Exception:  # the copy failed or died: its share is done here
        theirs, their_read, their_last, _ = projector.part_rows(start, stop, 1)
        elsewhere = set()
    ends = [n for n in (last, their_last) if n is not None]
    return mine + theirs, read + their_read, max(ends) if ends else None, elsewhere


def _child(projector: Projector, start: int, stop: int, write_fd: int) -> None:
    code = 0
    try:
        with _own_projector(projector) as own:
            rows, read, last, new = own.part_rows(start, stop, 1)
            portable = [_portable(r, r.journey_id in new) for r in rows]
            sent = pickle.dumps((portable, read, last), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        sent, code = b"", 1
    try:
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(sent)
    finally:
        os._exit(code)  # no exit handlers, no finalizers of the parent's objects in the copy


@contextmanager
def _own_projector(parent: Projector) -> Iterator[Projector]:
    """A projector on connections of the copy's own, starting from the journeys the parent folded."""
    from events.read.projection import Projector

    app = CarePlan(replace(parent.app.store, create_tables=False), parent.app.protocols, clock=parent.app.clock)
    store = ReadStore(app, create=False)
    try:
        own = Projector(app, store)
        own.folder.adopt(parent.folder)
        yield own
    finally:
        store.close()
        app.close()


def notifications(app: CarePlan, start: int, stop: int, limit: int, part: int) -> list[Notification]:
    """The library's ``select_notifications(start, limit, stop)`` narrowed to one part's journeys:
    the same query and the same objects, with a test of the stored journey id's last bit (SQLite
    keeps ids as hex text, PostgreSQL as uuid). The two tests are each other's negation, so every
    notification is read by exactly one part."""
    recorder: Any = app.recorder
    if isinstance(recorder, PostgresApplicationRecorder):
        statement = SQL(
            "SELECT * FROM {schema}.{table} WHERE notification_id >= %s AND notification_id <= %s "
            "AND (get_byte(uuid_send(originator_id), 15) & 1) " + ("= 1" if part else "= 0")
            + " ORDER BY notification_id LIMIT %s"
        ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, [start, stop, limit], prepare=True)
            return [
                Notification(
                    id=row["notification_id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]
    statement = (
        f"SELECT rowid, * FROM {recorder.events_table_name} WHERE rowid >= ? AND rowid <= ? "
        f"AND instr('13579bdfBDF', substr(originator_id, -1)) {'>' if part else '='} 0 ORDER BY rowid LIMIT ?"
    )
    with recorder.datastore.transaction(commit=False) as c:
        c.execute(statement, [start, stop, limit])
        return [
            Notification(
                id=row["rowid"],
                originator_id=recorder.convert_originator_id(row["originator_id"]),
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=row["state"],
            )
            for row in c.fetchall()
        ]


def _portable(rows: JourneyRows, new: bool) -> JourneyRows:
    """Rows that can cross the pipe: a journey new to the read model carries its search pieces
    (they are hashed here, in the copy); one already there never needs them again (the window is
    written only if the position is where it began, so no other writer removed its row)."""
    pieces = partial(list, rows.grams) if new else _never
    return replace(rows, pieces=pieces)


def _never() -> list[str]:
    raise RuntimeError("a journey the read model held when the window began has no search pieces to add")
