"""Signed-in sessions kept in the store, so that they can be ended: the cookie carries only a random
session id, and the row it names is the session.

Ending a session deletes its row, so a cookie copied before sign-out opens nothing afterwards. A
session also ends after ``idle`` without a request (clinic computers are shared) and ``lifetime``
after it began, whatever its use. Rows keep a SHA-256 of the id, never the id itself, so someone who
can read the table cannot take over a session; and the session's data (CSRF token, flash messages,
which can name a blood pressure) is encrypted with the application's cipher when a key is set.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from careplan.application import CarePlan
from careplan.side_tables import SideTables

TABLE = "web_sessions"
DDL = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        id_hash TEXT PRIMARY KEY, user_id TEXT, created_ts DOUBLE PRECISION NOT NULL,
        seen_ts DOUBLE PRECISION NOT NULL, data TEXT NOT NULL)""",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_user ON {TABLE} (user_id)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_seen ON {TABLE} (seen_ts)",
)
GRANTS = {TABLE: "SELECT, INSERT, UPDATE, DELETE"}
"""What the application's role may do here (``careplan db setup``): sessions begin, are touched and end."""
TOUCH_EVERY = timedelta(seconds=30)
"""A session's last use is written at most this often: the idle time-out is this accurate."""


@dataclass(frozen=True)
class Limits:
    idle: timedelta = timedelta(minutes=15)
    lifetime: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class Found:
    data: bytes
    user_id: str | None
    seen: datetime


class Sessions:
    """The session table of one application's database."""

    def __init__(self, app: CarePlan) -> None:
        self._tables = SideTables(app)
        self._cipher = app.mapper.cipher
        self._tables.create(DDL)

    def load(self, session_id: str, now: datetime, limits: Limits) -> Found | None:
        """The session's data while it lives; an idle or too old session is deleted and None."""
        key = _hash(session_id)
        with self._tables.cursor(commit=False) as run:
            rows = run(f"SELECT user_id, created_ts, seen_ts, data FROM {TABLE} WHERE id_hash = ?", (key,))
        if not rows:
            return None
        user_id, created, seen, data = rows[0]
        t = now.timestamp()
        if t - float(seen) > limits.idle.total_seconds() or t - float(created) > limits.lifetime.total_seconds():
            self.end(session_id)
            return None
        return Found(self._open(str(data)), user_id, datetime.fromtimestamp(float(seen), now.tzinfo))

    def begin(self, session_id: str, data: bytes, user_id: str | None, now: datetime, limits: Limits) -> None:
        """Stores a new session; sessions past their time are purged on the way."""
        t = now.timestamp()
        with self._tables.cursor(commit=True) as run:
            run(
                f"DELETE FROM {TABLE} WHERE seen_ts < ? OR created_ts < ?",
                (t - limits.idle.total_seconds(), t - limits.lifetime.total_seconds()),
            )
            run(
                f"INSERT INTO {TABLE} (id_hash, user_id, created_ts, seen_ts, data) VALUES (?, ?, ?, ?, ?)",
                (_hash(session_id), user_id, t, t, self._seal(data)),
            )

    def save(self, session_id: str, data: bytes, user_id: str | None, now: datetime) -> None:
        with self._tables.cursor(commit=True) as run:
            run(
                f"UPDATE {TABLE} SET data = ?, user_id = ?, seen_ts = ? WHERE id_hash = ?",
                (self._seal(data), user_id, now.timestamp(), _hash(session_id)),
            )

    def touch(self, session_id: str, now: datetime) -> None:
        with self._tables.cursor(commit=True) as run:
            run(f"UPDATE {TABLE} SET seen_ts = ? WHERE id_hash = ?", (now.timestamp(), _hash(session_id)))

    def end(self, session_id: str) -> None:
        with self._tables.cursor(commit=True) as run:
            run(f"DELETE FROM {TABLE} WHERE id_hash = ?", (_hash(session_id),))

    def end_all_for(self, user_id: str) -> int:
        """Ends every session of one person (disabled, new role, new password); how many there were."""
        with self._tables.cursor(commit=True) as run:
            count = run(f"SELECT COUNT(*) FROM {TABLE} WHERE user_id = ?", (user_id,))[0][0]
            run(f"DELETE FROM {TABLE} WHERE user_id = ?", (user_id,))
        return int(count)

    def _seal(self, data: bytes) -> str:
        return base64.b64encode(self._cipher.encrypt(data) if self._cipher else data).decode("ascii")

    def _open(self, stored: str) -> bytes:
        raw = base64.b64decode(stored)
        return self._cipher.decrypt(raw) if self._cipher else raw


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


_made: weakref.WeakKeyDictionary[CarePlan, Sessions] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def sessions_for(app: CarePlan) -> Sessions:
    """The session table of this application's database, made (and created) once per process."""
    with _lock:
        found = _made.get(app)
        if found is None:
            found = _made[app] = Sessions(app)
        return found
