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

from careplan import booking, server_keys, sessions, sign_ins
from careplan.application import CarePlan
from careplan.audit import access_log
from careplan.domain.protocol import ProtocolRegistry
from careplan.settings import ConfigError, StoreSettings
from careplan.side_tables import SideTables
from events.read import store as read_store

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
MAINTAIN_FROM = 170000
"""The first server version with the MAINTAIN privilege (which allows LOCK TABLE without UPDATE)."""
_GUARD_FUNCTION = "careplan_append_only"
_GUARD_DDL = (
    f"""CREATE OR REPLACE FUNCTION {_GUARD_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'stored events are append-only'; END $$""",
    f"""CREATE OR REPLACE TRIGGER {{table}}_no_change BEFORE UPDATE OR DELETE ON {{table}}
        FOR EACH ROW EXECUTE FUNCTION {_GUARD_FUNCTION}()""",
    f"""CREATE OR REPLACE TRIGGER {{table}}_no_truncate BEFORE TRUNCATE ON {{table}}
        FOR EACH STATEMENT EXECUTE FUNCTION {_GUARD_FUNCTION}()""",
)


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
        with app.recorder.datastore.transaction(commit=True) as cur:  # type: ignore[attr-defined]
            return grant(cur, app_role, password, grants)
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
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (app_role,)).fetchone():
            conn.execute(sql.SQL("REASSIGN OWNED BY {} TO CURRENT_USER").format(sql.Identifier(app_role)))


def create_schema(app: CarePlan) -> dict[str, str]:
    """Every table the application uses, created by this connection's role; returns each table's grant."""
    events = app.recorder.events_table_name  # type: ignore[attr-defined]
    snapshots = app.snapshots.recorder.events_table_name  # type: ignore[union-attr, attr-defined]
    read_store.ReadStore(app)
    access_log.AccessLog(app)
    SideTables(app).create(server_keys.DDL)  # before the sessions, whose key may be kept there
    sessions.Sessions(app)
    sign_ins.SignInFailures(app)
    SideTables(app).create(booking.TABLES)
    with app.recorder.datastore.transaction(commit=True) as cur:  # type: ignore[attr-defined]
        for statement in _GUARD_DDL:
            cur.execute(statement.format(table=events))
        version = int(cur.execute("SHOW server_version_num").fetchone()["server_version_num"])
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
