"""``careplan db setup`` as the operations guide makes the roles (DESIGN 7.4): a migration role that owns
the database and has CREATEROLE but is not a superuser, on the PostgreSQL 15+ server here; first run,
re-runs (upgrades, rotation), then the application as the least-privilege role it made."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli.main import main
from events.read.store import SCHEMA_VERSION as READ_VERSION
from tests.application.steps import CLINICIAN, data
from tests.conftest import PG_HOST, PG_PORT, _admin_connect

pytestmark = pytest.mark.postgres
OWNER_PASSWORD = "owner-" + uuid.uuid4().hex[:10]
APP_PASSWORD = "app-" + uuid.uuid4().hex[:10]


@dataclass(frozen=True)
class Roles:
    owner: str
    app: str
    database: str

    def url(self, role: str, password: str, database: str | None = None) -> str:
        return f"postgresql://{role}:{password}@{PG_HOST}:{PG_PORT}/{database or self.database}"

    @property
    def owner_url(self) -> str:
        return self.url(self.owner, OWNER_PASSWORD)

    @property
    def app_url(self) -> str:
        return self.url(self.app, APP_PASSWORD)


@pytest.fixture
def roles(postgres_url: str) -> Iterator[Roles]:
    """As docs/operations.md makes them: a migration role (LOGIN CREATEROLE, not a superuser) and a
    database it owns. Dropped afterwards with the application's role the setup made."""
    tag = uuid.uuid4().hex[:10]
    made = Roles(f"careplan_owner_{tag}", f"careplan_app_{tag}", f"careplan_ops_{tag}")
    with _admin_connect() as conn:
        conn.execute(f"CREATE ROLE {made.owner} LOGIN CREATEROLE NOSUPERUSER PASSWORD '{OWNER_PASSWORD}'")
        conn.execute(f"CREATE DATABASE {made.database} OWNER {made.owner}")
    try:
        yield made
    finally:
        with _admin_connect() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {made.database} WITH (FORCE)")
            conn.execute(f"DROP DATABASE IF EXISTS {made.database}_other WITH (FORCE)")
            for role in (made.app, made.owner):
                conn.execute(f"DROP ROLE IF EXISTS {role}")


def setup(url: str, app_role: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(APP_PASSWORD + "\n"))
    return main(["db", "setup", "--admin-url", url, "--app-role", app_role, "--app-password-stdin"])


def test_a_migration_role_that_is_not_a_superuser_sets_up_and_re_runs(
    roles: Roles, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with psycopg.connect(roles.owner_url) as conn:
        assert conn.execute("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user").fetchone() == (False, True)
    assert setup(roles.owner_url, roles.app, monkeypatch) == 0, capsys.readouterr().err
    assert setup(roles.owner_url, roles.app, monkeypatch) == 0, capsys.readouterr().err  # an upgrade's re-run

    app = build_app({"CAREPLAN_DATABASE_URL": roles.app_url, "CAREPLAN_MODE": "demo"})
    try:
        assert app.store.create_tables is False
        journey = app.open_journey("MRN-OPS-1", actor=CLINICIAN)
        app.record(journey, "ConsultationCompleted", data("ConsultationCompleted"), actor=CLINICIAN)
        assert app.get(journey).version == 2
    finally:
        app.close()
    assert setup(roles.owner_url, roles.app, monkeypatch) == 0, capsys.readouterr().err  # with rows in it
    with psycopg.connect(roles.app_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("CREATE TABLE sneaky (id int)")


def test_a_re_run_takes_back_a_table_the_app_role_owns(
    roles: Roles, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert setup(roles.owner_url, roles.app, monkeypatch) == 0
    with _admin_connect() as admin, psycopg.connect(roles.url("postgres", "", roles.database).replace(":@", "@"), autocommit=True) as conn:
        assert admin  # the superuser hands a table to the app role, as an install from before the setup had it
        conn.execute(f"ALTER TABLE chair_bookings OWNER TO {roles.app}")
    assert setup(roles.owner_url, roles.app, monkeypatch) == 0, capsys.readouterr().err
    with psycopg.connect(roles.owner_url) as conn:
        owner = conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'chair_bookings'").fetchone()
        member = conn.execute("SELECT pg_has_role(current_user, %s, 'USAGE')", (roles.app,)).fetchone()
    assert owner == (roles.owner,) and member == (False,)  # taken back, and the migration role left the app role


def test_a_database_the_migration_role_does_not_own_is_one_line_and_exit_2(
    roles: Roles, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    other = f"{roles.database}_other"
    with _admin_connect() as conn:
        conn.execute(f"CREATE DATABASE {other}")
    assert setup(roles.url(roles.owner, OWNER_PASSWORD, other), roles.app, monkeypatch) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "OWNER TO" in err and "Traceback" not in err


def test_db_status_shows_the_versions_and_a_process_on_an_older_store_stops_naming_db_setup(
    roles: Roles, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "status", "--url", roles.owner_url]) == 1  # nothing set up yet
    assert "setup would: create" in capsys.readouterr().out
    assert setup(roles.owner_url, roles.app, monkeypatch) == 0
    capsys.readouterr()
    assert main(["db", "status", "--url", roles.app_url]) == 0
    shown = capsys.readouterr().out
    assert "schema: version 1; this code needs 1" in shown and f"views: version {READ_VERSION}; this code needs {READ_VERSION}" in shown
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", roles.app_url)
    assert main(["verify"]) == 0

    for older in ("UPDATE careplan_schema SET version = 0", "UPDATE read_tracking SET notification_id = 5 WHERE application_name = '__read_schema__'"):
        with psycopg.connect(roles.owner_url, autocommit=True) as conn:
            conn.execute(older)  # as if the code were upgraded past this store
        capsys.readouterr()
        assert main(["db", "status", "--url", roles.app_url]) == 1
        assert "older than this code" in capsys.readouterr().out
        assert main(["verify"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "careplan db setup" in err and "older than this code" in err
        assert setup(roles.owner_url, roles.app, monkeypatch) == 0
        assert main(["verify"]) == 0
