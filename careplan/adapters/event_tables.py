"""The one module that writes SQL on the ``eventsourcing`` library's own tables.

Everything else reads and writes events through the library's recorders (``select_events``,
``select_notifications``, ``insert_events``). What the recorders do not offer is here, so that the
library's table layout (its names and columns, which it does not promise to keep between versions) is
known in one place: the latest snapshot of many journeys at once (the read model's catch-up), deleting
a snapshot that does not match its history (``careplan verify --repair``), and the trigger that keeps
the events table append-only on PostgreSQL (``careplan db setup``).

``tests/application/test_event_tables.py`` holds this module to the pinned library (``pyproject.toml``:
``eventsourcing>=9.5,<9.6``): the version, and the tables' columns as the library creates them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Recorder, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteDatastore
from psycopg.sql import SQL, Identifier
from psycopg_pool import ConnectionPool

LIBRARY_SERIES = "9.5"
"""The library's minor version this layout was read from (``pyproject.toml`` pins ``>=9.5,<9.6``)."""
EVENT_COLUMNS = ("originator_id", "originator_version", "topic", "state")
"""The columns of the library's events and snapshots tables, in its order (SQLite adds a ``rowid``,
PostgreSQL's application table a ``notification_id``: the notification's id)."""

_CHUNK = 500
_GUARD_FUNCTION = "careplan_append_only"
_GUARD_DDL = (
    f"""CREATE OR REPLACE FUNCTION {_GUARD_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'stored events are append-only'; END $$""",
    f"""CREATE OR REPLACE TRIGGER {{table}}_no_change BEFORE UPDATE OR DELETE ON {{table}}
        FOR EACH ROW EXECUTE FUNCTION {_GUARD_FUNCTION}()""",
    f"""CREATE OR REPLACE TRIGGER {{table}}_no_truncate BEFORE TRUNCATE ON {{table}}
        FOR EACH STATEMENT EXECUTE FUNCTION {_GUARD_FUNCTION}()""",
)
"""Refuses every change of a stored event, even by a role that may lock the table (``careplan.entrypoints.db_setup``)."""

Aggregates = SQLiteAggregateRecorder | PostgresAggregateRecorder


def _tables(recorder: Recorder) -> Aggregates:
    if not isinstance(recorder, (SQLiteAggregateRecorder, PostgresAggregateRecorder)):
        raise TypeError(f"careplan keeps events in SQLite or PostgreSQL, not with {type(recorder).__name__}")
    return recorder


def postgres(app: Application) -> PostgresDatastore:
    """The library's PostgreSQL datastore of ``app`` (its pool), for tables of careplan's own beside
    the library's; ``TypeError`` on SQLite."""
    datastore = _tables(app.recorder).datastore
    if not isinstance(datastore, PostgresDatastore):
        raise TypeError("the store is SQLite, not PostgreSQL")
    return datastore


def sqlite_file(app: Application) -> str:
    """The SQLite database the library's recorder opened (careplan's own tables open it too)."""
    datastore = _tables(app.recorder).datastore
    if not isinstance(datastore, SQLiteDatastore):
        raise TypeError("the store is PostgreSQL, not SQLite")
    return datastore.pool.db_name


def pool_of(app: Application) -> ConnectionPool[Any] | None:
    """The library's PostgreSQL connection pool, or None on SQLite (one connection per thread)."""
    datastore = _tables(app.recorder).datastore
    return datastore.pool if isinstance(datastore, PostgresDatastore) else None


def events_table(app: Application) -> str:
    """The name of the events table (every aggregate's events; the notification log)."""
    return _tables(app.recorder).events_table_name


def snapshots_table(app: Application) -> str | None:
    """The name of the snapshots table, or None when the application keeps no snapshots."""
    return None if app.snapshots is None else _tables(app.snapshots.recorder).events_table_name


def table_names(app: Application) -> list[str]:
    """The library's tables in ``app``'s store: events, then snapshots if kept."""
    snapshots = snapshots_table(app)
    return [events_table(app), *([snapshots] if snapshots else [])]


def guard_statements(app: Application) -> list[str]:
    """PostgreSQL DDL making the events table append-only, for the migration role to run."""
    return [statement.format(table=events_table(app)) for statement in _GUARD_DDL]


def latest_snapshots(app: Application, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
    """The latest snapshot of each of ``originator_ids`` that has one, in a query per 500 (the
    library reads snapshots one aggregate at a time, two queries each)."""
    if app.snapshots is None or not originator_ids:
        return []
    recorder = _tables(app.snapshots.recorder)
    table = recorder.events_table_name
    found: list[StoredEvent] = []
    for start in range(0, len(originator_ids), _CHUNK):
        chunk = list(originator_ids[start : start + _CHUNK])
        if isinstance(recorder, PostgresAggregateRecorder):
            statement: Any = SQL(
                "SELECT DISTINCT ON (originator_id) originator_id, originator_version, topic, state "
                "FROM {schema}.{table} WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version DESC"
            ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(table))
            params: list[Any] = [chunk]
            with recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(statement, params)
                rows = cursor.fetchall()
        else:
            marks = ", ".join("?" * len(chunk))
            statement = (
                f"SELECT s.originator_id, s.originator_version, s.topic, s.state FROM {table} s JOIN "
                f"(SELECT originator_id, MAX(originator_version) AS latest FROM {table} "
                f"WHERE originator_id IN ({marks}) GROUP BY originator_id) m "
                "ON s.originator_id = m.originator_id AND s.originator_version = m.latest"
            )
            with recorder.datastore.transaction(commit=False) as sqlite_cursor:
                sqlite_cursor.execute(statement, [j.hex for j in chunk])
                rows = sqlite_cursor.fetchall()
        found += [
            StoredEvent(
                originator_id=UUID(str(row["originator_id"])),
                originator_version=int(row["originator_version"]),
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in rows
        ]
    return found


def delete_snapshots(app: Application, originator_id: UUID, versions: Iterable[int]) -> None:
    """Deletes snapshots of one aggregate (a snapshot is a cache of its history, never the record);
    the database's own error when the role may not (the application's role in production)."""
    assert app.snapshots is not None
    recorder = _tables(app.snapshots.recorder)
    postgres = isinstance(recorder, PostgresAggregateRecorder)
    mark, key = ("%s", originator_id) if postgres else ("?", originator_id.hex)
    statement = f"DELETE FROM {recorder.events_table_name} WHERE originator_id = {mark} AND originator_version = {mark}"
    datastore: Any = recorder.datastore
    with datastore.transaction(commit=True) as cursor:
        for version in versions:
            cursor.execute(statement, (key, version))
