"""Failed sign-ins, counted in the store so the limit holds across gunicorn workers and restarts.

Each failure is one row per key (a username at an address, and the address alone), with its time.
Keys are kept as SHA-256 digests: people type passwords into the username field, and addresses are
nobody's business but the limit's. Old rows are purged as new ones arrive.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Sequence

from careplan.application import CarePlan
from careplan.side_tables import SideTables

TABLE = "sign_in_failures"
DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (key_hash TEXT NOT NULL, at_ts DOUBLE PRECISION NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_key ON {TABLE} (key_hash, at_ts)",
)

GRANTS = {TABLE: "SELECT, INSERT, DELETE"}
"""What the application's role may do here (``careplan db setup``): count, add, purge and clear."""


class SignInFailures:
    """The failure table of one application's database."""

    def __init__(self, app: CarePlan) -> None:
        self._tables = SideTables(app)
        self._tables.create(DDL)

    def add(self, keys: Sequence[str], at: float, keep_seconds: float) -> None:
        with self._tables.cursor(commit=True) as run:
            run(f"DELETE FROM {TABLE} WHERE at_ts < ?", (at - keep_seconds,))
            for key in keys:
                run(f"INSERT INTO {TABLE} (key_hash, at_ts) VALUES (?, ?)", (_digest(key), at))

    def since(self, key: str, start: float) -> tuple[int, float | None]:
        """How many failures of this key since ``start``, and when the oldest of them was."""
        with self._tables.cursor(commit=False) as run:
            count, oldest = run(
                f"SELECT COUNT(*), MIN(at_ts) FROM {TABLE} WHERE key_hash = ? AND at_ts > ?", (_digest(key), start)
            )[0]
        return int(count), None if oldest is None else float(oldest)

    def clear(self, key: str) -> None:
        with self._tables.cursor(commit=True) as run:
            run(f"DELETE FROM {TABLE} WHERE key_hash = ?", (_digest(key),))


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


_made: weakref.WeakKeyDictionary[CarePlan, SignInFailures] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def failures_for(app: CarePlan) -> SignInFailures:
    """The failure table of this application's database, made (and created) once per process."""
    with _lock:
        found = _made.get(app)
        if found is None:
            found = _made[app] = SignInFailures(app)
        return found
