"""The access log: who read which journey, when, and what they asked for (HIPAA 164.312(b)).

Kept in a table of its own beside the events, in the same database (a SQLite file or PostgreSQL),
because an auditor filters it by person, journey and time, which a table answers with an index and
an event stream does not. It is append-only where it matters, in the database: triggers refuse every
UPDATE and DELETE (and TRUNCATE on PostgreSQL); with ``careplan db setup`` the application's role may
only INSERT and SELECT, so it cannot switch them off. Whoever owns the table (or can write the SQLite
file) still can, so each entry is hash-chained to the one before (``access_chain``) and ``careplan
verify`` shows an edit or a removal. Entries name journeys by id and people by user id, never a
patient reference.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from uuid import UUID

from careplan.adapters.side_tables import CREATE_LOCK_KEY, Run, SideTables, tables_in
from careplan.audit import access_chain, access_start
from careplan.domain.chain import GENESIS

if TYPE_CHECKING:  # the application builds these with its services (careplan.services)
    from careplan.application import CarePlan

TABLE = "access_log"

_COLUMNS = "at_ts, user_id, role, journey_id, action, asked, status"
_SQLITE_DDL = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at_ts REAL NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL,
        journey_id TEXT, action TEXT NOT NULL, asked TEXT NOT NULL, status INTEGER NOT NULL,
        prev_hash TEXT, hash TEXT)""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END""",
)
_POSTGRES_DDL = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        id BIGSERIAL PRIMARY KEY, at_ts DOUBLE PRECISION NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL,
        journey_id TEXT, action TEXT NOT NULL, asked TEXT NOT NULL, status INTEGER NOT NULL,
        prev_hash TEXT, hash TEXT)""",
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS prev_hash TEXT",
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS hash TEXT",
    f"""CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'the access log is append-only'; END $$""",
    f"""CREATE OR REPLACE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()""",
    f"""CREATE OR REPLACE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()""",
)
_CHAIN_COLUMNS = ("prev_hash", "hash")
"""Added to logs made before the chain; SQLite has no ADD COLUMN IF NOT EXISTS, so they are added by hand."""
GRANTS = {TABLE: "SELECT, INSERT", **access_start.GRANTS}
"""All the application's role may do here (``careplan db setup``): append and read, nothing else."""
_INDEXES = (
    f"CREATE INDEX IF NOT EXISTS {TABLE}_at ON {TABLE} (at_ts)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_user ON {TABLE} (user_id, at_ts)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_journey ON {TABLE} (journey_id, at_ts)",
)


@dataclass(frozen=True)
class Access:
    """One read: who (user id and role), when, which journey (None for a list), what and what was asked."""

    at: datetime
    user_id: str
    role: str
    journey_id: UUID | None
    action: str
    asked: dict[str, str] = field(default_factory=dict)
    status: int = 200
    id: int | None = None


@dataclass(frozen=True)
class AccessPage:
    entries: list[Access]
    total: int
    offset: int
    limit: int


class AccessLog:
    """The access log table of one application's database."""

    def __init__(self, app: CarePlan) -> None:
        self._tables = SideTables(app)
        self.postgres = self._tables.postgres
        self._create()

    def record(self, access: Access) -> None:
        self.record_all([access])

    def record_all(self, accesses: Sequence[Access]) -> None:
        """Appends the entries in one transaction, each chained onto the one before (a CLI export of
        many journeys leaves one entry per journey, written together or not at all)."""
        with self._cursor(commit=True) as run:  # SQLite: BEGIN IMMEDIATE, the file's write lock
            if self.postgres:
                run("SELECT pg_advisory_xact_lock(?)", (access_chain.LOCK_KEY,))
            newest = run(f"SELECT hash FROM {TABLE} ORDER BY id DESC LIMIT 1", ())
            previous = str(newest[0][0]) if newest and newest[0][0] else GENESIS
            for access in accesses:
                row = _row(access)
                digest = access_chain.link(row, previous)
                run(f"INSERT INTO {TABLE} ({_COLUMNS}, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*row, previous, digest))
                previous = digest

    def chain(self, batch: int = 5000) -> Iterator[access_chain.Entry]:
        """Every entry in id order with its stored links, read a batch at a time (for ``verify``)."""
        after = 0
        while True:
            with self._cursor(commit=False) as run:
                rows = run(f"SELECT id, {_COLUMNS}, prev_hash, hash FROM {TABLE} WHERE id > ? ORDER BY id LIMIT ?", (after, batch))
            for row in rows:
                yield access_chain.Entry(int(row[0]), tuple(row[1:8]), row[8], row[9])
            if len(rows) < batch:
                return
            after = int(rows[-1][0])

    def search(
        self,
        *,
        user_id: str | None = None,
        journey_id: UUID | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> AccessPage:
        """Entries matching every filter given, newest first, one page at a time, with the total."""
        where, params = _where(user_id, journey_id, since, until)
        with self._cursor(commit=False) as run:
            total = int(run(f"SELECT COUNT(*) FROM {TABLE}{where}", params)[0][0])
            rows = run(
                f"SELECT id, {_COLUMNS} FROM {TABLE}{where} ORDER BY at_ts DESC, id DESC LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
        return AccessPage([_entry(row) for row in rows], total, offset, limit)

    def chain_start(self) -> int | None:
        """The id of the last entry written before the chain (``access_start``); None if that record is gone."""
        with self._cursor(commit=False) as run:
            return access_start.read(run)

    def _create(self) -> None:
        """The log and the record of where its chain starts, made in one transaction (under the
        create lock on PostgreSQL, the write lock on SQLite), so that record is written exactly once."""
        ddl = (_POSTGRES_DDL if self.postgres else _SQLITE_DDL) + _INDEXES
        ddl += access_start.POSTGRES_DDL if self.postgres else access_start.SQLITE_DDL
        if not self._tables.creates:
            self._tables.require(tables_in(ddl))
            return
        with self._cursor(commit=True) as run:
            if self.postgres:
                run("SELECT pg_advisory_xact_lock(?)", (CREATE_LOCK_KEY,))
            log_existed = access_start.exists(run, self.postgres, TABLE)
            start_existed = access_start.exists(run, self.postgres, access_start.TABLE)
            for statement in ddl:
                run(statement, ())
            if not self.postgres:
                _add_chain_columns(run)
            if not start_existed:
                access_start.record(run, log_existed)

    def _cursor(self, commit: bool) -> Any:
        return self._tables.cursor(commit)


def _row(access: Access) -> tuple[Any, ...]:
    asked = json.dumps(access.asked, sort_keys=True, separators=(",", ":"))
    journey = str(access.journey_id) if access.journey_id else None
    return (_ts(access.at), access.user_id, access.role, journey, access.action, asked, access.status)


def _add_chain_columns(run: Run) -> None:
    present = {str(r[1]) for r in run(f"PRAGMA table_info({TABLE})", ())}
    for column in (c for c in _CHAIN_COLUMNS if c not in present):
        run(f"ALTER TABLE {TABLE} ADD COLUMN {column} TEXT", ())


def _ts(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _where(
    user_id: str | None, journey_id: UUID | None, since: datetime | None, until: datetime | None
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for clause, value in (
        ("user_id = ?", user_id),
        ("journey_id = ?", str(journey_id) if journey_id else None),
        ("at_ts >= ?", _ts(since) if since else None),
        ("at_ts <= ?", _ts(until) if until else None),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _entry(row: Sequence[Any]) -> Access:
    id_, at_ts, user_id, role, journey, action, asked, status = row
    return Access(
        at=datetime.fromtimestamp(float(at_ts), timezone.utc),
        user_id=user_id,
        role=role,
        journey_id=UUID(journey) if journey else None,
        action=action,
        asked=json.loads(asked),
        status=int(status),
        id=int(id_),
    )


def access_log_for(app: CarePlan) -> AccessLog:
    """The access log of this application's database, built with its services (``careplan.services``)."""
    return app.services.access_log
