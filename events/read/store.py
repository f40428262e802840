"""The read side's tables, in the same database as the events: a SQLite file or PostgreSQL.

One small adapter hides the two dialects: SQL is written once with ``?`` placeholders and plain types
(times are epoch seconds as floats, so "due by now" is one indexed comparison on both). Writes that
move a view forward take a lock first (``BEGIN IMMEDIATE`` on SQLite, a transaction-scoped advisory
lock on PostgreSQL), so two processes catching up at once never apply the same notification twice.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from careplan.application import CarePlan
from careplan.settings import ConfigError
from careplan.side_tables import SideTables, tables_in

VIEW_LOCK_KEY = 7_340_001
"""The PostgreSQL advisory lock that serializes writers of the read-model tables."""

TRACKING = "read_tracking"

_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TRACKING} (application_name TEXT PRIMARY KEY, notification_id BIGINT)",
    """CREATE TABLE IF NOT EXISTS read_journeys (
        journey_id TEXT PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL,
        protocol TEXT NOT NULL, protocol_version INTEGER NOT NULL, current_step TEXT,
        opened_ts REAL NOT NULL, updated_ts REAL NOT NULL, open_alerts INTEGER NOT NULL,
        on_hold INTEGER NOT NULL, patient_key TEXT NOT NULL, payload BLOB NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS read_journeys_status ON read_journeys (status, opened_ts)",
    "CREATE INDEX IF NOT EXISTS read_journeys_alerts ON read_journeys (open_alerts)",
    "CREATE INDEX IF NOT EXISTS read_journeys_hold ON read_journeys (on_hold)",
    "CREATE INDEX IF NOT EXISTS read_journeys_patient ON read_journeys (patient_key)",
    """CREATE TABLE IF NOT EXISTS read_steps (
        journey_id TEXT NOT NULL, step TEXT NOT NULL, status TEXT NOT NULL, active INTEGER NOT NULL,
        due_ts REAL, becomes_due_ts REAL, overdue_ts REAL, blocked_reason TEXT,
        PRIMARY KEY (journey_id, step))""",
    "CREATE INDEX IF NOT EXISTS read_steps_becomes_due ON read_steps (active, becomes_due_ts)",
    "CREATE INDEX IF NOT EXISTS read_steps_overdue ON read_steps (active, overdue_ts)",
    "CREATE INDEX IF NOT EXISTS read_steps_blocked ON read_steps (active, blocked_reason)",
    """CREATE TABLE IF NOT EXISTS read_due (
        journey_id TEXT PRIMARY KEY, version INTEGER NOT NULL, next_duty_ts REAL)""",
    "CREATE INDEX IF NOT EXISTS read_due_next ON read_due (next_duty_ts)",
)

GRANTS = {
    TRACKING: "SELECT, INSERT, UPDATE",
    "read_journeys": "SELECT, INSERT, UPDATE",
    "read_steps": "SELECT, INSERT, DELETE",
    "read_due": "SELECT, INSERT, UPDATE",
}
"""What the application's role may do (``careplan db setup``): the projector upserts journeys and due
times, replaces a journey's steps and moves its position forward. Rebuilds run as the schema's owner."""

VIEW_TABLES: dict[str, tuple[str, ...]] = {
    "journeys": ("read_journeys", "read_steps"),
    "due": ("read_due",),
}
"""The views ``careplan projections rebuild --view NAME`` knows, and the tables each one owns."""


class Cursor:
    """A cursor that speaks ``?`` placeholders on both databases and yields rows by column name."""

    def __init__(self, raw: Any, postgres: bool) -> None:
        self.raw = raw
        self.postgres = postgres

    def run(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        self.raw.execute(sql.replace("?", "%s") if self.postgres else sql, tuple(params))
        return self

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.raw.executemany(sql.replace("?", "%s") if self.postgres else sql, [tuple(r) for r in rows])

    def all(self) -> list[Any]:
        return list(self.raw.fetchall())

    def one(self) -> Any:
        return self.raw.fetchone()


class ReadStore:
    """The read-model tables of one application's database."""

    def __init__(self, app: CarePlan) -> None:
        self.app = app
        self.postgres = app.store.kind == "postgres"
        self._local = threading.local()
        if not self.postgres:
            self._path = app.recorder.datastore.pool.db_name  # type: ignore[attr-defined]
        self.create_tables()

    @property
    def kind(self) -> str:
        return "postgres" if self.postgres else "sqlite"

    def create_tables(self, prefix: str = "") -> None:
        """Creates the tables (with ``prefix``: a shadow set for a rebuild, without the tracking table).

        A process that does not create tables (the least-privilege role of ``careplan db setup``)
        only checks that they are there; a rebuild, which needs shadow tables, is refused in a sentence."""
        if self.app.store.create_tables is False:
            if prefix:
                raise ConfigError(
                    "A rebuild creates shadow tables, which this role may not: run it with "
                    "CAREPLAN_DATABASE_URL set to the migration role that owns the schema."
                )
            SideTables(self.app).require(tables_in(_DDL))
            return
        with self.write() as cur:
            for statement in _DDL:
                if prefix:
                    if TRACKING in statement:
                        continue
                    statement = statement.replace("read_", prefix + "read_")
                if self.postgres:
                    statement = statement.replace(" REAL", " DOUBLE PRECISION").replace(" BLOB", " BYTEA")
                cur.run(statement)
            if prefix:
                return
            # The library's tracking recorder (PostgreSQL runner) reads this marker as "already migrated".
            cur.run(
                f"INSERT INTO {TRACKING} (application_name, notification_id) VALUES ('__migration__', 1) "
                "ON CONFLICT (application_name) DO NOTHING"
            )

    @contextmanager
    def write(self) -> Iterator[Cursor]:
        """One transaction that holds the view writers' lock: committed on success, else rolled back."""
        if self.postgres:
            with self.app.recorder.datastore.transaction(commit=True) as raw:  # type: ignore[attr-defined]
                cur = Cursor(raw, True)
                cur.run("SELECT pg_advisory_xact_lock(?)", (VIEW_LOCK_KEY,))
                yield cur
            return
        conn = self._sqlite()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield Cursor(conn.cursor(), False)
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    @contextmanager
    def read(self) -> Iterator[Cursor]:
        if self.postgres:
            with self.app.recorder.datastore.transaction(commit=False) as raw:  # type: ignore[attr-defined]
                yield Cursor(raw, True)
            return
        conn = self._sqlite()
        conn.execute("BEGIN")
        try:
            yield Cursor(conn.cursor(), False)
        finally:
            conn.rollback()

    def position(self, cur: Cursor | None = None, name: str | None = None) -> int:
        """The last notification id the views have taken in (0 before the first)."""
        name = name or self.app.name
        if cur is None:
            with self.read() as fresh:
                return self.position(fresh, name)
        row = cur.run(f"SELECT notification_id FROM {TRACKING} WHERE application_name = ?", (name,)).one()
        return int(row["notification_id"]) if row and row["notification_id"] is not None else 0

    def set_position(self, cur: Cursor, notification_id: int, name: str | None = None) -> None:
        cur.run(
            f"INSERT INTO {TRACKING} (application_name, notification_id) VALUES (?, ?) "
            "ON CONFLICT (application_name) DO UPDATE SET notification_id = excluded.notification_id",
            (name or self.app.name, notification_id),
        )

    def _sqlite(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 30000")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
