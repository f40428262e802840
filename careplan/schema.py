"""Whether this process creates the schema, and the check that it exists when it does not.

With ``careplan db setup`` the schema belongs to a migration role and the application connects as a
role that may not create anything; a process that tried anyway would fail on its first ``CREATE``.
So the default (``CAREPLAN_CREATE_TABLES=auto``) asks PostgreSQL whether the connected role may create
in its schema, and if it may not, the process only checks that the tables are there.
"""

from __future__ import annotations

from dataclasses import replace

from careplan.application import CarePlan
from careplan.settings import StoreSettings
from careplan.side_tables import SideTables


def resolved(settings: StoreSettings) -> StoreSettings:
    """The settings with ``create_tables`` decided (``auto`` asks the database)."""
    if settings.create_tables is not None:
        return settings
    return replace(settings, create_tables=may_create(settings))


def may_create(settings: StoreSettings) -> bool:
    """True on SQLite (the file's owner may do anything); on PostgreSQL, whether the role may create
    in its current schema. An unreachable server answers True, so the library reports it as usual."""
    if settings.kind != "postgres":
        return True
    import psycopg

    env = settings.library_env()
    try:
        with psycopg.connect(
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            dbname=env["POSTGRES_DBNAME"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
        ) as conn:
            row = conn.execute("SELECT has_schema_privilege(current_schema(), 'CREATE')").fetchone()
    except psycopg.OperationalError:
        return True
    return bool(row and row[0])


def require_event_store(app: CarePlan) -> None:
    """Raises ``SchemaMissing`` (one sentence) if the event store's tables were never created."""
    if app.store.create_tables is not False:
        return
    tables = [app.recorder.events_table_name]  # type: ignore[attr-defined]
    if app.snapshots is not None:
        tables.append(app.snapshots.recorder.events_table_name)  # type: ignore[attr-defined]
    SideTables(app).require(tables)
