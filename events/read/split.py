"""A long catch-up on more than one core: a window's journeys shared between this process and a
forked copy, each folding its share of the same stretch of the log.

Each part reads, from the same stretch of notification ids, the notifications of its own journeys
(the store is asked for them by the journey id's last hex digit: every journey falls to exactly one
part), folds them and computes the rows. This process takes the smaller share, writes its rows in
the window's transaction while the copy finishes, then the rows the copy sends through a pipe, and
moves the position in the same transaction, exactly as a window of one process does
(``events.read.projection``). A share the copy fails to send is done here, so the result never
depends on the copy having worked.

Forking copies the whole process, threads' locks included, so it is only done where the process is
nothing but the catch-up at that moment: the command line's ``projections catch-up`` and
``rebuild``, the demo's read views, the benchmark. The web app and the scheduler catch up in one
process. An in-memory SQLite database belongs to its process, so it is never split; neither is a
platform without ``fork``.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
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

MINE, THEIRS = 0, 1
"""The two parts: this process's and the copy's."""
MY_DIGITS = "0123456"
"""The last hex digits of the journey ids that are this process's share (7 of 16): it also writes
the rows, so it takes less, and writes its own while the copy finishes."""

GRACE = 5.0
"""Seconds, beyond this process's own part's time, that the write lock is held waiting for the copy."""
PATIENCE = 60.0
"""Seconds, beyond four times this process's own part's time, that the copy is waited for at all."""

Share = tuple[list[JourneyRows], int, "int | None"]
"""A part's rows, how many notifications it read, and the last one's id."""


def can_split(app: CarePlan) -> bool:
    """Whether a forked copy can open this application's store on its own."""
    if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        return False
    if app.store.kind == "postgres":
        return True
    return not getattr(app.recorder.datastore.pool, "is_sqlite_memory_mode", True)  # type: ignore[attr-defined]


class Copy:
    """A forked copy of this process folding its share of notifications ``start`` to ``stop``.

    ``share(patience)`` waits that many seconds at most for its rows: it gives them, or None if the
    copy failed (the caller then does that share itself), or raises ``TimeoutError`` if the copy is
    still at work (the caller may wait again, outside its lock). ``close`` reaps the copy, killing it
    if it never finished: a copy stuck on a lock it inherited must not hang the catch-up.
    """

    def __init__(self, projector: Projector, start: int, stop: int) -> None:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the copy: its own connections, never the parent's
            os.close(read_fd)
            _child(projector, start, stop, write_fd)
        os.close(write_fd)
        self._pid, self._pipe = pid, read_fd
        self._sent: list[bytes] = []
        self._share: Share | None = None
        self._done = False

    def share(self, patience: float) -> Share | None:
        deadline = time.monotonic() + patience
        while not self._done:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._pipe], [], [], left)[0]:
                raise TimeoutError("the copy has not sent its share yet")
            data = os.read(self._pipe, 1 << 20)
            if data:
                self._sent.append(data)
                continue
            sent = b"".join(self._sent)
            self._finish()
            try:
                self._share = pickle.loads(sent)
            except Exception:  # the copy failed or died before it sent everything
                self._share = None
        return self._share

    def close(self) -> None:
        if not self._done:
            os.kill(self._pid, signal.SIGKILL)
            self._finish()

    def _finish(self) -> None:
        self._done = True
        os.close(self._pipe)
        os.waitpid(self._pid, 0)
        self._sent = []


def _child(projector: Projector, start: int, stop: int, write_fd: int) -> None:
    code = 0
    try:
        with _own_projector(projector) as own:
            rows, read, last, new = own.part_rows(start, stop, THEIRS)
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


def notifications(
    app: CarePlan, start: int, stop: int, part: int, ids: dict[Any, Any] | None = None
) -> list[Notification]:
    """The library's ``select_notifications(start, stop=stop)`` narrowed to one part's journeys: the
    same query and the same objects, with a test of the stored journey id's last hex digit (SQLite
    keeps ids as hex text, PostgreSQL as uuid). The two parts' tests are each other's negation, so
    every notification is read by exactly one part.

    Asked for a stretch of ids, not a number of rows: with a limit, PostgreSQL cannot tell how far
    the test lets it read and sorts the whole rest of the log for each page. ``ids`` keeps each
    stored journey id's ``UUID`` (SQLite): a journey has dozens of events, and building the same
    UUID for each cost a tenth of a part's time."""
    ids = {} if ids is None else ids
    recorder: Any = app.recorder
    if isinstance(recorder, PostgresApplicationRecorder):
        statement = SQL(
            "SELECT * FROM {schema}.{table} WHERE notification_id >= %s AND notification_id <= %s "
            "AND (get_byte(uuid_send(originator_id), 15) & 15) " + (">= %s" if part else "< %s")
            + " ORDER BY notification_id"
        ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, [start, stop, len(MY_DIGITS)], prepare=True)
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
        f"AND instr(?, lower(substr(originator_id, -1))) {'=' if part else '>'} 0 ORDER BY rowid"
    )
    convert = recorder.convert_originator_id
    with recorder.datastore.transaction(commit=False) as c:
        c.execute(statement, [start, stop, MY_DIGITS])
        found = []
        for row in c.fetchall():
            stored_id = row["originator_id"]
            originator_id = ids.get(stored_id)
            if originator_id is None:
                originator_id = ids[stored_id] = convert(stored_id)
            found.append(
                Notification(
                    id=row["rowid"],
                    originator_id=originator_id,
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"],
                )
            )
        return found


def _portable(rows: JourneyRows, new: bool) -> JourneyRows:
    """Rows that can cross the pipe: a journey new to the read model carries its search pieces
    (they are hashed here, in the copy); one already there never needs them again (the window is
    written only if the position is where it began, so no other writer removed its row)."""
    pieces = partial(list, rows.grams) if new else _never
    return replace(rows, pieces=pieces)


def _never() -> list[str]:
    raise RuntimeError("a journey the read model held when the window began has no search pieces to add")
