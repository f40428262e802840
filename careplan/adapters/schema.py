"""Whether this process creates the schema, and the check that it exists when it does not.

With ``careplan db setup`` the schema belongs to a migration role and the application connects as a
role that may not create anything; a process that tried anyway would fail on its first ``CREATE``.
So the default (``CAREPLAN_CREATE_TABLES=auto``) asks PostgreSQL whether the connected role may create
in its schema, and if it may not, the process only checks that the tables are there.
"""

from __future__ import annotations

from dataclasses import replace

from careplan.adapters import event_tables
from careplan.adapters.settings import ConfigError, StoreSettings
from careplan.adapters.side_tables import SideTables
from careplan.application import CarePlan

VERSION = 1
"""The store's schema as this code needs it (tables, columns, triggers, grants); bumped with any change
that ``careplan db setup`` must make before this code runs as the application's role. ``db setup``
records it; ``careplan db status`` shows it; a process that may not create tables stops on an older one."""
TABLE = "careplan_schema"
DDL = (f"CREATE TABLE IF NOT EXISTS {TABLE} (part TEXT PRIMARY KEY, version INTEGER NOT NULL)",)
GRANTS = {TABLE: "SELECT"}
"""The application's role reads the version; only the migration role records it."""


class SchemaOutdated(ConfigError):
    """The store is older than this code: the one sentence a process stops with."""

    def __init__(self, what: str) -> None:
        super().__init__(f"The database is older than this code ({what}): run `careplan db setup` as the migration role.")


def record_version(tables: SideTables, version: int = VERSION) -> None:
    tables.create(DDL)
    with tables.cursor(commit=True) as run:
        run(
            f"INSERT INTO {TABLE} (part, version) VALUES ('store', ?) "
            "ON CONFLICT (part) DO UPDATE SET version = excluded.version",
            (version,),
        )


def stored_version(tables: SideTables) -> int:
    """The schema version ``db setup`` recorded (0 if it never did)."""
    with tables.cursor(commit=False) as run:
        rows = run(f"SELECT version FROM {TABLE} WHERE part = 'store'", ())
    return int(rows[0][0]) if rows else 0


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
    SideTables(app).require(event_tables.table_names(app))
