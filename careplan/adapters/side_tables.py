"""SQL on the application's own database for the tables kept beside the events (access log, sessions,
sign-in failures), in either dialect, on the connections the application already has.

Each table's owner module gives its statements with ``?`` placeholders; on PostgreSQL they run in the
event store's pool (placeholders become ``%s``), on SQLite on one connection per thread to the same
file. Tables are created once per process, under an advisory lock on PostgreSQL so that workers
starting together do not race, and not at all when the store was set up by ``careplan db setup``
and the application's role may not create anything (``CAREPLAN_CREATE_TABLES=0``).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from careplan.adapters import event_tables
from careplan.adapters.settings import ConfigError

if TYPE_CHECKING:  # the application builds these with its services (careplan.services)
    from careplan.application import CarePlan

Run = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]
CREATE_LOCK_KEY = 7_340_077
"""PostgreSQL advisory lock taken while creating tables, so two workers starting at once do not race."""


class SchemaMissing(ConfigError):
    """A table the application needs is missing and its role may not create it."""

    def __init__(self, table: str) -> None:
        super().__init__(
            f"The database has no {table} table and this role does not create tables: "
            "run `careplan db setup` first (see docs/operations.md)."
        )


def tables_in(statements: Sequence[str]) -> list[str]:
    """The tables that ``CREATE TABLE IF NOT EXISTS`` statements make, in order."""
    return [m.group(1) for s in statements if (m := re.search(r"CREATE TABLE IF NOT EXISTS (\w+)", s))]


class SideTables:
    """Runs statements on the application's database; one per application and process."""

    def __init__(self, app: CarePlan) -> None:
        self.postgres = app.store.kind == "postgres"
        self._app = app
        self._local = threading.local()
        if not self.postgres:
            self._path = event_tables.sqlite_file(app)

    def create(self, statements: Sequence[str]) -> None:
        """Creates tables, triggers and indexes if they are missing (idempotent); when this process
        does not create tables, only checks that the tables are there, so a missing schema is one
        clear sentence at start rather than a permission error on the first request."""
        if not self.creates:
            self.require(tables_in(statements))
            return
        with self.cursor(commit=True) as run:
            if self.postgres:
                run("SELECT pg_advisory_xact_lock(?)", (CREATE_LOCK_KEY,))
            for statement in statements:
                run(statement, ())

    @property
    def creates(self) -> bool:
        """Whether this process creates missing tables (not when ``careplan db setup`` made them)."""
        return self._app.store.create_tables is not False

    def require(self, tables: Sequence[str]) -> None:
        """Raises ``SchemaMissing`` for the first of ``tables`` that does not exist."""
        probe = "SELECT to_regclass(?)" if self.postgres else "SELECT (SELECT name FROM sqlite_master WHERE name = ?)"
        with self.cursor(commit=False) as run:
            for table in tables:
                if run(probe, (table,))[0][0] is None:
                    raise SchemaMissing(table)

    @contextmanager
    def cursor(self, commit: bool) -> Iterator[Run]:
        """One transaction: committed at the end when ``commit``, else rolled back; always on error."""
        if self.postgres:
            with event_tables.postgres(self._app).transaction(commit=commit) as cursor:

                def run_pg(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
                    cursor.execute(sql.replace("?", "%s"), tuple(params))
                    if not cursor.description:
                        return []
                    return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in cursor.fetchall()]

                yield run_pg
            return
        conn = self._sqlite()
        conn.execute("BEGIN IMMEDIATE" if commit else "BEGIN")
        try:
            yield lambda sql, params: conn.execute(sql, tuple(params)).fetchall()
        except BaseException:
            conn.rollback()
            raise
        conn.commit() if commit else conn.rollback()

    def _sqlite(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, timeout=30, isolation_level=None, check_same_thread=False)
            self._local.conn = conn
        return conn
