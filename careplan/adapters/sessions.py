"""Signed-in sessions kept in the store, so that they can be ended: the cookie carries only a random
session id, and the row it names is the session.

Only signed-in sessions have a row: a visitor who has not signed in stores nothing (the sign-in form's
CSRF token does not need a row, see ``web.csrf``), so anonymous visits cannot fill the table.

Ending a session deletes its row, so a cookie copied before sign-out opens nothing afterwards. A
session also ends after ``idle`` without a request (clinic computers are shared) and ``lifetime``
after it began, whatever its use. Rows keep a SHA-256 of the id, never the id itself, so someone who
can read the table cannot take over a session; and the session's data (CSRF token, flash messages,
which can name a blood pressure) is sealed to its row, its user and its times with the server's
sessions key (``careplan.adapters.session_seal``), so someone who can write the table cannot make one either.

Expired rows are purged in batches of ``PURGE_BATCH`` by the indexes on the time columns, each batch
its own short transaction, so no purge scans the table while holding SQLite's write lock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from careplan.adapters.server_keys import SESSIONS, ServerKeys
from careplan.adapters.session_seal import SessionSeal
from careplan.adapters.side_tables import Run, SideTables

if TYPE_CHECKING:  # the application builds these with its services (careplan.services)
    from careplan.application import CarePlan

TABLE = "web_sessions"
DDL = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        id_hash TEXT PRIMARY KEY, user_id TEXT, created_ts DOUBLE PRECISION NOT NULL,
        seen_ts DOUBLE PRECISION NOT NULL, data TEXT NOT NULL)""",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_user ON {TABLE} (user_id)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_seen ON {TABLE} (seen_ts)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_created ON {TABLE} (created_ts)",
)
GRANTS = {TABLE: "SELECT, INSERT, UPDATE, DELETE"}
"""What the application's role may do here (``careplan db setup``): sessions begin, are touched and end."""
TOUCH_EVERY = timedelta(seconds=30)
"""A session's last use is written at most this often: the idle time-out is this accurate."""
PURGE_BATCH = 500
"""Expired rows deleted per transaction: a short hold of SQLite's write lock, found by an index."""
PURGE_BATCHES_AT_SIGN_IN = 2
"""Each sign-in purges at most this many batches, more than the one row it adds."""


@dataclass(frozen=True)
class Limits:
    idle: timedelta = timedelta(minutes=15)
    lifetime: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class Found:
    data: bytes
    user_id: str
    created: datetime
    seen: datetime


class Sessions:
    """The session table of one application's database."""

    def __init__(self, app: CarePlan, keys: ServerKeys | None = None) -> None:
        """``keys``: the application's (``careplan.services``); ``careplan db setup`` and key rotation,
        which only create the table, read the key afresh."""
        self._tables = SideTables(app)
        self._tables.create(DDL)
        self._seal = SessionSeal((keys or ServerKeys(app)).get(SESSIONS))

    def load(self, session_id: str, now: datetime, limits: Limits) -> Found | None:
        """The session's data while it lives, by its sealed times; an idle, too old or unsealed row is
        deleted and None."""
        key = _hash(session_id)
        with self._tables.cursor(commit=False) as run:
            rows = run(f"SELECT user_id, data FROM {TABLE} WHERE id_hash = ?", (key,))
        if not rows:
            return None
        user_id, data = rows[0]
        opened = self._seal.open(key, user_id, str(data))
        t = now.timestamp()
        if opened is None or t - opened.seen > limits.idle.total_seconds() or t - opened.created > limits.lifetime.total_seconds():
            self.end(session_id)
            return None
        moment = datetime.fromtimestamp
        return Found(opened.data, str(user_id), moment(opened.created, now.tzinfo), moment(opened.seen, now.tzinfo))

    def begin(self, session_id: str, data: bytes, user_id: str, now: datetime, limits: Limits) -> None:
        """Stores a new signed-in session; a few batches of expired sessions are purged after it."""
        t, key = now.timestamp(), _hash(session_id)
        with self._tables.cursor(commit=True) as run:
            run(
                f"INSERT INTO {TABLE} (id_hash, user_id, created_ts, seen_ts, data) VALUES (?, ?, ?, ?, ?)",
                (key, user_id, t, t, self._seal.seal(key, user_id, t, t, data)),
            )
        self.purge(now, limits, max_batches=PURGE_BATCHES_AT_SIGN_IN)

    def save(self, session_id: str, data: bytes, user_id: str, created: datetime, now: datetime) -> None:
        """Writes the session's data and its last use (sealed again, with its times)."""
        key, t = _hash(session_id), now.timestamp()
        sealed = self._seal.seal(key, user_id, created.timestamp(), t, data)
        with self._tables.cursor(commit=True) as run:
            run(f"UPDATE {TABLE} SET data = ?, user_id = ?, seen_ts = ? WHERE id_hash = ?", (sealed, user_id, t, key))

    def end(self, session_id: str) -> None:
        with self._tables.cursor(commit=True) as run:
            run(f"DELETE FROM {TABLE} WHERE id_hash = ?", (_hash(session_id),))

    def end_all_for(self, user_id: str) -> int:
        """Ends every session of one person (disabled, new role, new password); how many there were."""
        with self._tables.cursor(commit=True) as run:
            count = run(f"SELECT COUNT(*) FROM {TABLE} WHERE user_id = ?", (user_id,))[0][0]
            run(f"DELETE FROM {TABLE} WHERE user_id = ?", (user_id,))
        return int(count)

    def purge(self, now: datetime, limits: Limits, max_batches: int | None = None) -> int:
        """Deletes sessions past their idle time or lifetime (by the columns, which only ever trail the
        sealed times), ``PURGE_BATCH`` rows per transaction; how many were deleted."""
        t, deleted, batches = now.timestamp(), 0, 0
        for column, limit in (("seen_ts", limits.idle), ("created_ts", limits.lifetime)):
            while max_batches is None or batches < max_batches:
                with self._tables.cursor(commit=True) as run:
                    done = _purge_batch(run, column, t - limit.total_seconds())
                deleted, batches = deleted + done, batches + 1
                if done < PURGE_BATCH:
                    break
        return deleted


PURGE_SELECT = f"SELECT id_hash FROM {TABLE} WHERE {{column}} < ? LIMIT {PURGE_BATCH}"
"""One batch's rows, found by the column's index (``EXPLAIN QUERY PLAN`` shows the index search)."""


def _purge_batch(run: Run, column: str, before: float) -> int:
    ids = [row[0] for row in run(PURGE_SELECT.format(column=column), (before,))]
    if ids:
        run(f"DELETE FROM {TABLE} WHERE id_hash IN ({', '.join('?' * len(ids))})", ids)
    return len(ids)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def sessions_for(app: CarePlan) -> Sessions:
    """The session table of this application's database, built with its services (``careplan.services``)."""
    return app.services.sessions
