"""Failed sign-ins, counted in the store so the limit holds across gunicorn workers and restarts.

Each sign-in reserves its place in the count before its password is judged (``reserve``): in one
transaction, under a lock per key (SQLite's write lock; a PostgreSQL advisory lock), the failures of
each key in the window are counted and, below the limit, one more is written. So a burst of parallel
guesses cannot all pass the check before any is recorded: with a limit of 5, at most 5 are judged.
A sign-in that succeeds gives its place back (``release``) and clears its username's failures.

Each failure is one row per key (a username at an address, and the address alone), with its time.
Keys are kept as HMAC-SHA256 with the server's ``sign-in failures`` key (``careplan.adapters.server_keys``):
people type passwords into the username field, and addresses are nobody's business but the limit's;
a plain hash of a short guess is recovered by trying guesses, an HMAC without its key is not.
Rows older than the window are purged a batch at a time, by an index on their time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import TYPE_CHECKING

from careplan.adapters.server_keys import SIGN_IN_FAILURES, ServerKeys
from careplan.adapters.side_tables import SideTables

if TYPE_CHECKING:  # the application builds these with its services (careplan.services)
    from careplan.application import CarePlan

TABLE = "sign_in_failures"
DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (key_hash TEXT NOT NULL, at_ts DOUBLE PRECISION NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_key ON {TABLE} (key_hash, at_ts)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_at ON {TABLE} (at_ts)",
)

GRANTS = {TABLE: "SELECT, INSERT, DELETE"}
"""What the application's role may do here (``careplan db setup``): count, add, purge and clear."""
LOCK_SPACE = 7_340_078 << 32
"""PostgreSQL advisory locks of sign-in keys: this prefix and 32 bits of the key's HMAC."""
PURGE_BATCH = 500


class SignInFailures:
    """The failure table of one application's database."""

    def __init__(self, app: CarePlan, keys: ServerKeys | None = None) -> None:
        """``keys``: the application's (``careplan.services``); ``careplan db setup`` and key rotation,
        which only create the table, read the key afresh."""
        self._tables = SideTables(app)
        self._tables.create(DDL)
        self._key = (keys or ServerKeys(app)).get(SIGN_IN_FAILURES)
        self._row = "ctid" if self._tables.postgres else "rowid"

    def reserve(self, limits: Sequence[tuple[str, int]], at: float, window: float) -> float:
        """Counts a failure of each key at ``at`` before the password is judged, unless a key already
        has its limit of failures in the window: then nothing is counted and the seconds until the
        oldest of them leaves the window are returned. 0 when the place is reserved."""
        digests = sorted((self.digest(key), limit) for key, limit in limits)
        with self._tables.cursor(commit=True) as run:
            if self._tables.postgres:
                for digest, _ in digests:
                    run("SELECT pg_advisory_xact_lock(?)", (LOCK_SPACE | int(digest[:8], 16),))
            waits = []
            for digest, limit in digests:
                count, oldest = run(
                    f"SELECT COUNT(*), MIN(at_ts) FROM {TABLE} WHERE key_hash = ? AND at_ts > ?", (digest, at - window)
                )[0]
                if int(count) >= limit and oldest is not None:
                    waits.append(float(oldest) + window - at)
            if waits:
                return max(max(waits), 0.001)
            for digest, _ in digests:
                run(f"INSERT INTO {TABLE} (key_hash, at_ts) VALUES (?, ?)", (digest, at))
        self._purge(at - window)
        return 0.0

    def release(self, key: str, at: float) -> None:
        """Gives back one place reserved at ``at`` (a sign-in that was not a failure)."""
        row = self._row
        with self._tables.cursor(commit=True) as run:
            run(
                f"DELETE FROM {TABLE} WHERE {row} = (SELECT {row} FROM {TABLE} WHERE key_hash = ? AND at_ts = ? LIMIT 1)",
                (self.digest(key), at),
            )

    def clear(self, key: str) -> None:
        with self._tables.cursor(commit=True) as run:
            run(f"DELETE FROM {TABLE} WHERE key_hash = ?", (self.digest(key),))

    def digest(self, key: str) -> str:
        """What the table keeps of a key: its HMAC with the server's key."""
        return hmac.new(self._key, key.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()

    def _purge(self, before: float) -> None:
        """One batch of rows that left the window, found by the index on their time."""
        row = self._row
        with self._tables.cursor(commit=True) as run:
            run(
                f"DELETE FROM {TABLE} WHERE {row} IN (SELECT {row} FROM {TABLE} WHERE at_ts < ? LIMIT {PURGE_BATCH})",
                (before,),
            )


def failures_for(app: CarePlan) -> SignInFailures:
    """The failure table of this application's database, built with its services (``careplan.services``)."""
    return app.services.sign_in_failures
