"""``careplan db setup``: create the PostgreSQL schema as a migration role and a least-privilege role
for the application (see ``careplan.entrypoints.db_setup`` for what it may do and why).

Bad input or a refusal from PostgreSQL is one line and exit 2; the password is read from stdin or
``CAREPLAN_APP_DATABASE_PASSWORD`` (never an argument: arguments show in ``ps``) and never printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from careplan.adapters import schema
from careplan.adapters.settings import store_settings
from careplan.application import CarePlan
from careplan.entrypoints.cli.main import CliError
from careplan.entrypoints.db_setup import check_role_name, set_up, status
from events.protocol_file import default_protocols
from events.read.store import SCHEMA_VERSION as VIEWS_VERSION

DEFAULT_APP_ROLE = "careplan_app"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "db",
        help="set up the PostgreSQL database",
        description="Administer the PostgreSQL database the store lives in.",
    )
    commands = parser.add_subparsers(dest="db_command", metavar="COMMAND", parser_class=type(parser))
    commands.required = True
    setup = commands.add_parser(
        "setup",
        help="create the schema as the migration role and a least-privilege role for the application",
        description=(
            "Connected as the migration role (--admin-url), create or update every table the application "
            "uses, owned by that role, and create or update the application's role, granted only what it "
            "uses: INSERT and SELECT on access_log and on the events, and what the read views, sessions and "
            "sign-in counts need. Then run the application with CAREPLAN_DATABASE_URL naming the "
            "application's role. Idempotent: run it again after every upgrade."
        ),
    )
    setup.add_argument(
        "--admin-url",
        metavar="URL",
        default=os.environ.get("CAREPLAN_ADMIN_DATABASE_URL"),
        help="postgresql:// URL of the migration role, which will own the schema (default: $CAREPLAN_ADMIN_DATABASE_URL)",
    )
    setup.add_argument(
        "--app-role", metavar="NAME", default=DEFAULT_APP_ROLE, type=_role,
        help=f"the application's role, created if missing (default: {DEFAULT_APP_ROLE})",
    )
    setup.add_argument(
        "--app-password-stdin", action="store_true",
        help="read the application role's password from the first line of stdin "
        "(else $CAREPLAN_APP_DATABASE_PASSWORD; neither: the password is left as it is)",
    )
    setup.set_defaults(run=run_setup)
    show = commands.add_parser(
        "status",
        help="the schema and view versions beside this code's, and what setup would change",
        description=(
            "Read (never write) the store of CAREPLAN_DATABASE_URL (or --url): the schema version `careplan db "
            "setup` recorded, the read views' version and position, missing tables, each beside what this code "
            "needs, and what setup would change. Exit 0 when the store is current, 1 when setup has work to do, "
            "2 for bad usage. A process that may not create tables refuses to start on an older store."
        ),
    )
    show.add_argument("--url", metavar="URL", default=None,
                      help="the store to look at (default: $CAREPLAN_DATABASE_URL); any role that may read it")
    show.set_defaults(run=run_status)


def _role(text: str) -> str:
    try:
        return check_role_name(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def run_setup(args: argparse.Namespace) -> int:
    if not args.admin_url:
        raise CliError("give the migration role's URL with --admin-url or CAREPLAN_ADMIN_DATABASE_URL")
    password = sys.stdin.readline().rstrip("\r\n") if args.app_password_stdin else os.environ.get("CAREPLAN_APP_DATABASE_PASSWORD")
    if args.app_password_stdin and not password:
        raise CliError("--app-password-stdin: stdin gave no password")
    import psycopg
    from eventsourcing.persistence import PersistenceError

    try:
        done = set_up(args.admin_url, args.app_role, password or None, default_protocols())
    except (psycopg.Error, PersistenceError) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise CliError(f"PostgreSQL refused: {first}") from None
    print(f"schema in database {done.database} owned by {done.owner}")
    role = "created" if done.created_role else "updated"
    print(f"role {done.app_role} {role}; it may:")
    for table, privileges in sorted(done.grants.items()):
        print(f"  {table}: {privileges}")
    parsed = urlparse(args.admin_url)
    where = f"{parsed.hostname}:{parsed.port or 5432}{parsed.path}"
    print(f"run the application with CAREPLAN_DATABASE_URL=postgresql://{done.app_role}:PASSWORD@{where}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    if args.url:
        env["CAREPLAN_DATABASE_URL"] = args.url
    settings = replace(store_settings(env), create_tables=False)  # a look, never a change
    if settings.kind == "sqlite" and not Path(settings.library_env()["SQLITE_DBNAME"]).exists():
        raise CliError(f"there is no store at {settings.describe()}")
    import psycopg
    from eventsourcing.persistence import PersistenceError

    try:
        app = CarePlan(settings, default_protocols(env.get("CAREPLAN_PROTOCOLS_DIR") or None, env.get("CAREPLAN_PROTOCOL_VERSION")))
        try:
            found = status(app)
        finally:
            app.close()
    except (psycopg.Error, PersistenceError) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise CliError(f"the store does not answer: {first}") from None
    print(f"store: {settings.describe()}")
    if found.set_up:
        recorded = f"version {found.schema}" if found.schema else "not recorded by `careplan db setup`"
        print(f"schema: {recorded}; this code needs {schema.VERSION}")
    views = f"version {found.views}" if found.views else "none yet"
    print(f"views: {views}; this code needs {VIEWS_VERSION}; at notification {found.position} of {found.newest}")
    for line in found.behind:
        print(f"older than this code: {line}")
    changes = found.changes()
    print("setup would: " + "; ".join(changes))
    return 1 if found.behind else 0
