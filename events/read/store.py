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

from careplan.adapters import event_tables
from careplan.adapters.settings import ConfigError
from careplan.adapters.side_tables import SideTables, tables_in
from careplan.application import CarePlan

VIEW_LOCK_KEY = 7_340_001
"""The PostgreSQL advisory lock that serializes writers of the read-model tables."""

TRACKING = "read_tracking"

SCHEMA_VERSION = 8
"""8: the outcomes view (``read_outcomes``). 7: search keys of the normalised reference (NFKC,
case-folded). Bumped when the tables change shape
or what their keys hold: a store whose marker differs has its views dropped and
rebuilt from the events (they are a cache of the history, never the record)."""

SCHEMA_MARKER = "__read_schema__"

_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TRACKING} (application_name TEXT PRIMARY KEY, notification_id BIGINT)",
    # One row per journey. Clear columns are only what an index needs (status, step name, times and
    # 0/1 memberships); everything clinical, the patient reference included, is in the sealed payload.
    """CREATE TABLE IF NOT EXISTS read_journeys (
        journey_id TEXT PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL,
        protocol TEXT NOT NULL, current_step TEXT, opened_ts REAL NOT NULL, updated_ts REAL NOT NULL,
        alerting INTEGER NOT NULL, on_hold INTEGER NOT NULL, blocked INTEGER NOT NULL, deviating INTEGER NOT NULL, overdue_ts REAL,
        patient_key TEXT NOT NULL, payload BLOB NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS read_journeys_opened ON read_journeys (opened_ts, journey_id)",
    "CREATE INDEX IF NOT EXISTS read_journeys_status ON read_journeys (status, opened_ts, journey_id)",
    "CREATE INDEX IF NOT EXISTS read_journeys_step ON read_journeys (current_step, opened_ts, journey_id)",
    "CREATE INDEX IF NOT EXISTS read_journeys_overdue ON read_journeys (overdue_ts, journey_id)",
    "CREATE INDEX IF NOT EXISTS read_journeys_alerting ON read_journeys (alerting, updated_ts, journey_id)",
    "CREATE INDEX IF NOT EXISTS read_journeys_hold ON read_journeys (on_hold, updated_ts, journey_id)",
    "CREATE INDEX IF NOT EXISTS read_journeys_blocked ON read_journeys (blocked, updated_ts, journey_id)",
    "CREATE INDEX IF NOT EXISTS read_journeys_deviating ON read_journeys (deviating, updated_ts, journey_id)",
    "CREATE INDEX IF NOT EXISTS read_journeys_patient ON read_journeys (patient_key)",
    # Open steps of active journeys that some list can show (a due time, or blocked): what the
    # time-judged worklists need, nothing else.
    # ``graced`` marks a step whose overdue moment is later than its due time (maintenance).
    """CREATE TABLE IF NOT EXISTS read_steps (
        journey_id TEXT NOT NULL, step TEXT NOT NULL, graced INTEGER NOT NULL, blocked INTEGER NOT NULL,
        due_ts REAL, overdue_ts REAL, PRIMARY KEY (journey_id, step))""",
    "CREATE INDEX IF NOT EXISTS read_steps_window ON read_steps (graced, overdue_ts, due_ts, journey_id)",
    "CREATE INDEX IF NOT EXISTS read_steps_step ON read_steps (step, overdue_ts, due_ts, journey_id)",
    "CREATE INDEX IF NOT EXISTS read_steps_blocked ON read_steps (blocked, step, journey_id)",
    # Keyed hashes of the normalised reference's 2- and 3-character pieces: substring search. On
    # SQLite the primary key is the table (WITHOUT ROWID): one b-tree to fill, not two.
    """CREATE TABLE IF NOT EXISTS read_grams (
        gram TEXT NOT NULL, journey_id TEXT NOT NULL, PRIMARY KEY (gram, journey_id)) WITHOUT ROWID""",
    # Counters kept in the same transaction as the rows: counts that never scan.
    "CREATE TABLE IF NOT EXISTS read_counts (name TEXT PRIMARY KEY, n BIGINT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS read_due (
        journey_id TEXT PRIMARY KEY, version INTEGER NOT NULL, next_duty_ts REAL)""",
    "CREATE INDEX IF NOT EXISTS read_due_next ON read_due (next_duty_ts)",
    # Each journey's outcome facts, sealed (``events.read.outcomes.view``); its position is its own.
    "CREATE TABLE IF NOT EXISTS read_outcomes (journey_id TEXT PRIMARY KEY, version INTEGER NOT NULL, payload BLOB NOT NULL)",
)

GRANTS = {
    TRACKING: "SELECT, INSERT, UPDATE",
    "read_journeys": "SELECT, INSERT, UPDATE",
    "read_steps": "SELECT, INSERT, DELETE",
    "read_due": "SELECT, INSERT, UPDATE",
    "read_grams": "SELECT, INSERT",
    "read_counts": "SELECT, INSERT, UPDATE",
    "read_outcomes": "SELECT, INSERT, UPDATE",
}
"""What the application's role may do (``careplan db setup``): the projector upserts journeys and due
times, replaces a journey's steps and moves its position forward, adds a reference's search pieces once and keeps the counters. Rebuilds run as the schema's owner."""

VIEW_TABLES: dict[str, tuple[str, ...]] = {
    "journeys": ("read_journeys", "read_steps", "read_grams", "read_counts"),
    "due": ("read_due",),
}
"""The views ``careplan projections rebuild --view NAME`` knows, and the tables each one owns."""

OWN_POSITION_TABLES = ("read_outcomes",)
"""Views that keep a position of their own (``events.read.outcomes.view``): dropped with the others
when the schema changes, rebuilt by reading the log again rather than into shadow tables."""


BULK_ROWS = 100
"""From this many rows, PostgreSQL is sent them in one statement (``Cursor.insert``)."""


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

    def insert(self, sql: str, types: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """``sql`` is an INSERT with ``VALUES (?, ...)``, one mark per column of PostgreSQL type
        ``types``. On PostgreSQL many rows go in one statement, as arrays unnested into rows: the
        driver's executemany sends one row per statement, some 15 microseconds each, and a rebuild
        writes hundreds of thousands (SQLite's executemany is in-process and fast already)."""
        if not self.postgres or len(rows) < BULK_ROWS:
            self.many(sql, rows)
            return
        values = "VALUES (" + ", ".join("?" * len(types)) + ")"
        unnest = "SELECT * FROM unnest(" + ", ".join(f"%s::{t}[]" for t in types) + ")"
        assert values in sql, sql
        self.raw.execute(sql.replace(values, unnest), [list(column) for column in zip(*rows)])

    def delete(self, sql: str, values: Sequence[Any]) -> None:
        """``sql`` is a DELETE ending ``= ?``, done for each of ``values`` (on PostgreSQL at once)."""
        if not self.postgres or len(values) < BULK_ROWS:
            self.many(sql, [(v,) for v in values])
            return
        assert sql.endswith("= ?"), sql
        self.raw.execute(sql[: -len("= ?")] + "= ANY(%s)", [list(values)])

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
            self._path = event_tables.sqlite_file(app)
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
            if prefix:
                for statement in _DDL[1:]:
                    if not any(table in statement for table in OWN_POSITION_TABLES):
                        cur.run(self._dialect(statement.replace("read_", prefix + "read_")))
                return
            cur.run(_DDL[0])
            self._migrate(cur)
            for statement in _DDL[1:]:
                cur.run(self._dialect(statement))
            # The library's tracking recorder (PostgreSQL runner) reads this marker as "already migrated".
            cur.run(
                f"INSERT INTO {TRACKING} (application_name, notification_id) VALUES ('__migration__', 1) "
                "ON CONFLICT (application_name) DO NOTHING"
            )

    def _migrate(self, cur: Cursor) -> None:
        """Drops views of an older shape and sets every position back to 0, so the next catch-up
        rebuilds them from the history (the views are a cache of the events, never the record)."""
        row = cur.run(f"SELECT notification_id FROM {TRACKING} WHERE application_name = ?", (SCHEMA_MARKER,)).one()
        if row is not None and int(row["notification_id"]) == SCHEMA_VERSION:
            return
        for tables in (*VIEW_TABLES.values(), OWN_POSITION_TABLES):
            for table in tables:
                cur.run(f"DROP TABLE IF EXISTS {table}")
        cur.run(f"DELETE FROM {TRACKING} WHERE application_name <> '__migration__'")
        cur.run(f"INSERT INTO {TRACKING} (application_name, notification_id) VALUES (?, ?)", (SCHEMA_MARKER, SCHEMA_VERSION))

    def _dialect(self, statement: str) -> str:
        if self.postgres:
            return statement.replace(" REAL", " DOUBLE PRECISION").replace(" BLOB", " BYTEA").replace(" WITHOUT ROWID", "")
        return statement

    @contextmanager
    def write(self) -> Iterator[Cursor]:
        """One transaction that holds the view writers' lock: committed on success, else rolled back."""
        if self.postgres:
            with event_tables.postgres(self.app).transaction(commit=True) as raw:
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

    def analyze(self) -> None:
        """Gives PostgreSQL's planner statistics on rows just written in bulk (a rebuild, a demo load):
        until autovacuum gets there, a reference search planned without them took half a second
        instead of milliseconds. Tables this role does not own are skipped by the server with a notice.
        SQLite plans well enough without (and ``ANALYZE`` there would read every index)."""
        if not self.postgres:
            return
        with event_tables.postgres(self.app).transaction(commit=True) as raw:
            raw.execute("ANALYZE")

    @contextmanager
    def read(self) -> Iterator[Cursor]:
        if self.postgres:
            with event_tables.postgres(self.app).transaction(commit=False) as raw:
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
