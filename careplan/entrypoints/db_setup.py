"""``careplan db setup``: the schema owned by a migration role, the application's role granted no more
than it uses.

Why: a role that owns a table can switch its triggers off (``ALTER TABLE access_log DISABLE TRIGGER
USER``) and then rewrite it. So the role the setup connects as (the migration role) creates and owns
every table, trigger and function, and the application connects as another role that may only
append to the access log and the events, and read and keep the views, sessions and sign-in counts.

The event store needs one privilege more than INSERT: the library takes ``LOCK TABLE ... IN
EXCLUSIVE MODE`` on the events table to keep notification ids in commit order, which PostgreSQL
allows only to roles with UPDATE, DELETE or TRUNCATE (or MAINTAIN, from PostgreSQL 17). Below 17 the
role gets UPDATE, and a trigger it cannot disable refuses every UPDATE and DELETE of an event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from careplan import booking
from careplan.adapters import event_tables, schema, server_keys, sessions, sign_ins
from careplan.adapters.settings import ConfigError, StoreSettings
from careplan.adapters.side_tables import SideTables, tables_in
from careplan.application import CarePlan
from careplan.audit import access_log
from careplan.domain.protocol import ProtocolRegistry
from careplan.messaging import outbox
from events.read import store as read_store
from events.read.outcomes.view import OutcomesView
from events.read.projection import Projector

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
MAINTAIN_FROM = 170000
"""The first server version with the MAINTAIN privilege (which allows LOCK TABLE without UPDATE)."""
@dataclass(frozen=True)
class Done:
    """What the setup did, for the command's summary (never a password)."""

    owner: str
    database: str
    app_role: str
    created_role: bool
    grants: dict[str, str]


def check_role_name(name: str) -> str:
    if not ROLE_NAME.fullmatch(name):
        raise ConfigError(f"{name!r} is not a role name: lower-case letters, digits and _ (63 at most)")
    return name


def set_up(admin_url: str, app_role: str, password: str | None, protocols: ProtocolRegistry) -> Done:
    """Creates (or brings up to date) the schema as the admin URL's role and grants ``app_role``
    what the application uses. Idempotent: run it again after an upgrade."""
    settings = StoreSettings(url=admin_url, create_tables=True)
    if settings.kind != "postgres":
        raise ConfigError("careplan db setup is for PostgreSQL; on SQLite whoever can write the file can do anything")
    check_role_name(app_role)
    reclaim(settings, app_role)
    app = CarePlan(settings, protocols)
    try:
        grants = create_schema(app)
        # The views are brought up to date here, as the owner: an application started after an upgrade
        # that changed their shape then serves whole worklists at once, not partial ones while they refill.
        views = read_store.ReadStore(app)
        Projector(app, views).catch_up()
        OutcomesView(app, views).catch_up()  # its own position: rebuilt from the log after a schema change
        views.analyze()  # the owner's statistics on whatever the catch-up just wrote
        with event_tables.postgres(app).transaction(commit=True) as cur:
            done = grant(cur, app_role, password, grants)
        schema.record_version(SideTables(app))
        return done
    finally:
        app.close()


def reclaim(settings: StoreSettings, app_role: str) -> None:
    """Gives the migration role whatever ``app_role`` owns here (an install from before this setup,
    where the application created its own tables), before anything is created or replaced."""
    app_env = settings.library_env()
    import psycopg

    with psycopg.connect(
        host=app_env["POSTGRES_HOST"], port=app_env["POSTGRES_PORT"], dbname=app_env["POSTGRES_DBNAME"],
        user=app_env["POSTGRES_USER"], password=app_env["POSTGRES_PASSWORD"] or None, autocommit=True,
        connect_timeout=int(app_env["POSTGRES_CONNECT_TIMEOUT"]),
    ) as conn:
        owner = conn.execute("SELECT current_user").fetchone()
        if owner and owner[0] == app_role:
            raise ConfigError(f"the application's role must not be the migration role ({app_role}): choose another name")
        may_create(conn)
        if owns_objects_here(conn, app_role):
            take_ownership(conn, app_role)


def may_create(conn: Any) -> None:
    """One sentence, not the library's traceback, when the migration role may not create the schema:
    from PostgreSQL 15 only the database's owner may create in ``public``."""
    row = conn.execute(
        "SELECT current_user, current_database(), current_schema(), "
        "current_schema() IS NOT NULL AND has_schema_privilege(current_schema(), 'CREATE')"
    ).fetchone()
    user, database, schema, allowed = row
    if not allowed:
        raise ConfigError(
            f"role {user} may not create in schema {schema or 'public'} of database {database}: make it the "
            f"database's owner (ALTER DATABASE {database} OWNER TO {user}; see docs/operations.md), then run this again"
        )


def owns_objects_here(conn: Any, app_role: str) -> bool:
    """Whether ``app_role`` owns anything in this database (an install from before ``db setup``).
    Asked first because ``REASSIGN OWNED`` needs the rights of both roles, which a migration role
    that is not a superuser lacks: every re-run would be refused, though there is nothing to take."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_shdepend d JOIN pg_roles r ON d.refobjid = r.oid "
        "WHERE r.rolname = %s AND d.deptype = 'o' "
        "AND d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()))",
        (app_role,),
    ).fetchone()
    return bool(row and row[0])


def take_ownership(conn: Any, app_role: str) -> None:
    """``REASSIGN OWNED`` as a migration role with CREATEROLE: it joins ``app_role`` for the statement
    (CREATEROLE may grant that; from PostgreSQL 16 the role's creator holds ADMIN on it) and leaves."""
    import psycopg

    role = sql.Identifier(app_role)
    member = conn.execute("SELECT pg_has_role(current_user, %s, 'USAGE')", (app_role,)).fetchone()
    try:
        if not (member and member[0]):
            conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(role))
        try:
            conn.execute(sql.SQL("REASSIGN OWNED BY {} TO CURRENT_USER").format(role))
        finally:
            if not (member and member[0]):
                conn.execute(sql.SQL("REVOKE {} FROM CURRENT_USER").format(role))
    except psycopg.errors.InsufficientPrivilege:
        raise ConfigError(
            f"role {app_role} owns tables here (an install from before `careplan db setup`) and this role may "
            f"not take them: as a superuser, run REASSIGN OWNED BY {app_role} TO the migration role, then this again"
        ) from None


def create_schema(app: CarePlan) -> dict[str, str]:
    """Every table the application uses, created by this connection's role; returns each table's grant."""
    events, snapshots = event_tables.table_names(app)
    read_store.ReadStore(app)
    access_log.AccessLog(app)
    SideTables(app).create(server_keys.DDL)  # before the sessions, whose key may be kept there
    sessions.Sessions(app)
    sign_ins.SignInFailures(app)
    SideTables(app).create(booking.TABLES)
    SideTables(app).create(schema.DDL)
    SideTables(app).create(outbox.DDL)
    with event_tables.postgres(app).transaction(commit=True) as cur:
        for statement in event_tables.guard_statements(app):
            cur.execute(statement)
        shown = cur.execute("SHOW server_version_num").fetchone()
        version = int(shown["server_version_num"]) if shown else 0
    lock = "MAINTAIN" if version >= MAINTAIN_FROM else "UPDATE"
    return {
        events: f"SELECT, INSERT, {lock}",
        snapshots: "SELECT, INSERT",
        **read_store.GRANTS,
        **access_log.GRANTS,
        **server_keys.GRANTS,
        **sessions.GRANTS,
        **sign_ins.GRANTS,
        **booking.GRANTS,
        **schema.GRANTS,
        **outbox.GRANTS,
    }


def grant(cur: Any, app_role: str, password: str | None, grants: Mapping[str, str]) -> Done:
    """Creates the role if needed and leaves it exactly ``grants`` on this schema's tables."""
    role = sql.Identifier(app_role)
    here = cur.execute("SELECT current_user AS owner, current_database() AS db, current_schema() AS schema").fetchone()
    found = cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (app_role,)).fetchone()
    if found and found["rolsuper"]:
        raise ConfigError(f"role {app_role} is a superuser, which no grant can restrict: choose another name")
    secret = sql.SQL(" PASSWORD {}").format(sql.Literal(password)) if password else sql.SQL("")
    verb = "ALTER" if found else "CREATE"
    cur.execute(sql.SQL(verb + " ROLE {} LOGIN NOCREATEDB NOCREATEROLE{}").format(role, secret))
    schema = sql.Identifier(here["schema"])
    cur.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema, role))
    cur.execute(sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(schema, role))
    cur.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}").format(schema, role))
    cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(here["db"]), role))
    cur.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
    for table, privileges in grants.items():
        cur.execute(sql.SQL("GRANT " + privileges + " ON {} TO {}").format(sql.Identifier(table), role))
        for row in cur.execute("SELECT pg_get_serial_sequence(%s, attname) AS seq FROM pg_attribute "
                               "WHERE attrelid = %s::regclass AND attnum > 0", (table, table)).fetchall():
            if row["seq"]:
                cur.execute(sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(sql.SQL(row["seq"]), role))
    if cur.execute("SELECT has_schema_privilege(%s, current_schema(), 'CREATE') AS c", (app_role,)).fetchone()["c"]:
        raise ConfigError(
            f"role {app_role} may still create in schema {here['schema']} (through PUBLIC or a role it is in): "
            f"REVOKE CREATE ON SCHEMA {here['schema']} FROM PUBLIC, then run this again"
        )
    return Done(here["owner"], here["db"], app_role, not found, dict(grants))


# -- status: what the store holds beside what this code needs ------------------------------------------


@dataclass(frozen=True)
class Status:
    """The store's schema and views beside this code's, and what ``careplan db setup`` would change."""

    schema: int
    """The store's schema version as ``db setup`` recorded it (0: never recorded)."""
    views: int
    """The read views' version (0: no views yet)."""
    missing: tuple[str, ...]
    position: int
    """The last notification the views have taken in."""
    newest: int
    set_up: bool = True
    """Whether the schema is ``db setup``'s to make (PostgreSQL); on SQLite each process makes its own."""

    @property
    def behind(self) -> list[str]:
        """What is older than this code (a process that may not create tables stops on it)."""
        if not self.set_up:
            return []  # on SQLite every process makes and migrates its own tables
        found = [f"table {name} is missing" for name in self.missing]
        if self.schema < schema.VERSION:
            found.append(f"the schema is version {self.schema}, this code needs {schema.VERSION}")
        if self.views < read_store.SCHEMA_VERSION:
            found.append(f"the views are version {self.views}, this code needs {read_store.SCHEMA_VERSION}")
        return found

    def changes(self) -> list[str]:
        """What ``db setup`` would do, in sentences."""
        if not self.set_up:
            return ["nothing (it is for PostgreSQL; on SQLite every process makes and migrates its own tables)"]
        found = [f"create {name}" for name in self.missing]
        if self.schema < schema.VERSION:
            found.append(f"record schema version {schema.VERSION} (now {self.schema})")
        if self.views < read_store.SCHEMA_VERSION:
            found.append(f"rebuild the views from the events (version {self.views} to {read_store.SCHEMA_VERSION})")
        elif self.newest > self.position:
            found.append(f"take {self.newest - self.position} notifications into the views")
        return found + ["re-grant the application's role exactly what it uses"]


def expected_tables(app: CarePlan) -> list[str]:
    """Every table this code uses, in the order setup makes them."""
    names = [*event_tables.table_names(app), read_store.TRACKING]
    names += [table for tables in read_store.VIEW_TABLES.values() for table in tables]
    names += [access_log.TABLE, sessions.TABLE, sign_ins.TABLE, *tables_in(booking.TABLES), *tables_in(schema.DDL)]
    names += list(outbox.TABLES)
    return names


def status(app: CarePlan) -> Status:
    """Reads the store's versions and tables (nothing is written)."""
    tables = SideTables(app)
    probe = "SELECT to_regclass(?)" if tables.postgres else "SELECT (SELECT name FROM sqlite_master WHERE name = ?)"
    with tables.cursor(commit=False) as run:
        missing = tuple(name for name in expected_tables(app) if run(probe, (name,))[0][0] is None)
        views = position = 0
        if read_store.TRACKING not in missing:
            marks = run(
                f"SELECT application_name, notification_id FROM {read_store.TRACKING} WHERE application_name IN (?, ?)",
                (read_store.SCHEMA_MARKER, app.name),
            )
            found = {str(name): int(n or 0) for name, n in marks}
            views, position = found.get(read_store.SCHEMA_MARKER, 0), found.get(app.name, 0)
    version = schema.stored_version(tables) if schema.TABLE not in missing else 0
    newest = 0 if event_tables.events_table(app) in missing else int(app.recorder.max_notification_id() or 0)
    return Status(version, views, missing, position, newest, tables.postgres)


def require_current(app: CarePlan) -> None:
    """Stops a process that may not create tables on a store older than its code: one sentence that
    names ``careplan db setup`` (a process that creates tables brings its own store up to date)."""
    if app.store.create_tables is not False:
        return
    behind = status(app).behind
    if behind:
        raise schema.SchemaOutdated(behind[0])
