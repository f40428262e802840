"""``careplan db setup`` on real PostgreSQL: the application's role writes and reads as usual but can
neither switch the access log's triggers off nor rewrite it, and creates nothing when it starts."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest
from flask import Flask

from careplan.adapters.side_tables import SchemaMissing
from careplan.audit.access_log import Access, access_log_for
from careplan.audit.verify import verify_store
from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli.main import main
from tests.application.steps import CLINICIAN, data
from tests.conftest import Clock
from tests.web.conftest import People, csrf, make_web_app

pytestmark = pytest.mark.postgres
PASSWORD = "app-role-password-" + uuid.uuid4().hex[:8]


@pytest.fixture
def app_role(postgres_url: str) -> Iterator[str]:
    """A role name of this test's own; dropped afterwards with whatever it was granted."""
    name = f"careplan_app_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
            conn.execute(f'DROP OWNED BY "{name}"')
            conn.execute(f'DROP ROLE "{name}"')


def setup(postgres_url: str, role: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    return main(["db", "setup", "--admin-url", postgres_url, "--app-role", role, "--app-password-stdin"])


def role_url(postgres_url: str, role: str) -> str:
    return postgres_url.replace("postgresql://postgres@", f"postgresql://{role}:{PASSWORD}@")


@pytest.fixture
def app_url(postgres_url: str, app_role: str, monkeypatch: pytest.MonkeyPatch) -> str:
    assert setup(postgres_url, app_role, monkeypatch) == 0
    return role_url(postgres_url, app_role)


def test_the_app_role_writes_and_reads_journeys_and_the_access_log(app_url: str) -> None:
    app = build_app({"CAREPLAN_DATABASE_URL": app_url, "CAREPLAN_MODE": "demo"})
    try:
        assert app.store.create_tables is False, "the role may not create, so the process must not try"
        journey = app.open_journey("MRN-ROLE-1", actor=CLINICIAN)
        app.record(journey, "ConsultationCompleted", data("ConsultationCompleted"), actor=CLINICIAN)
        log = access_log_for(app)
        log.record(Access(datetime.now(timezone.utc), "clinician", "clinician", journey, "journey"))
        assert log.search(journey_id=journey).total == 1
        assert app.get(journey).version == 2
        assert verify_store(app).ok
    finally:
        app.close()


def test_the_web_app_runs_as_the_app_role(app_url: str, tmp_path: Path, clock: Clock) -> None:
    web: Flask = make_web_app(tmp_path, clock)
    web.config["CAREPLAN_ENV"] = {**web.config["CAREPLAN_ENV"], "CAREPLAN_DATABASE_URL": app_url}
    people = People(web)
    client = web.test_client()
    try:
        headers = people.headers("coordinator")
        created = client.post("/api/v1/journeys", json={"patient_ref": "MRN-ROLE-2"}, headers=headers)
        assert created.status_code == 201
        assert client.get(f"/api/v1/journeys/{created.get_json()['id']}", headers=headers).status_code == 200
        assert client.get("/api/v1/worklists", headers=headers).status_code == 200
        people.login(client, "clinician")
        assert client.get("/dashboard").status_code == 200
        assert client.post("/logout", data={"csrf_token": csrf(client)}).status_code == 302
        assert client.get("/dashboard").status_code == 302, "signed out: the session row was deleted"
    finally:
        web.extensions["careplan"].close()


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE access_log DISABLE TRIGGER USER",
        "DROP TRIGGER access_log_no_change ON access_log",
        "DELETE FROM access_log",
        "UPDATE access_log SET role = 'admin'",
        "TRUNCATE access_log",
        "UPDATE access_log_chain SET unchained_through = 1000",
        "INSERT INTO access_log_chain VALUES (1000, 0)",
        "CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
        "DELETE FROM careplan_events",
        "ALTER TABLE careplan_events DISABLE TRIGGER USER",
        "CREATE TABLE anything (id int)",
    ],
)
def test_the_app_role_cannot_rewrite_the_log_or_the_events(app_url: str, statement: str) -> None:
    with psycopg.connect(app_url, autocommit=True) as conn:
        conn.execute("INSERT INTO access_log (at_ts, user_id, role, action, asked, status) VALUES (1, 'u', 'r', 'a', '{}', 200)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
        assert conn.execute("SELECT COUNT(*) FROM access_log").fetchone() == (1,)


def test_the_update_right_the_event_lock_needs_changes_no_event(app_url: str) -> None:
    """Below PostgreSQL 17 the library's LOCK TABLE needs UPDATE; a trigger the role cannot drop refuses it."""
    app = build_app({"CAREPLAN_DATABASE_URL": app_url, "CAREPLAN_MODE": "demo"})
    try:
        app.open_journey("MRN-ROLE-3", actor=CLINICIAN)
    finally:
        app.close()
    with psycopg.connect(app_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("UPDATE careplan_events SET topic = 'forged'")


def test_setup_runs_again_after_an_upgrade(postgres_url: str, app_url: str, app_role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert setup(postgres_url, app_role, monkeypatch) == 0
    with psycopg.connect(app_url, autocommit=True) as conn:
        assert conn.execute("SELECT has_table_privilege('access_log', 'DELETE')").fetchone() == (False,)


def test_setup_takes_back_tables_the_app_role_owned(postgres_url: str, app_role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{app_role}" LOGIN')
        conn.execute(f'GRANT CREATE ON SCHEMA public TO "{app_role}"')
    old = build_app({"CAREPLAN_DATABASE_URL": role_url(postgres_url, app_role).replace(f":{PASSWORD}", ""), "CAREPLAN_MODE": "demo"})
    access_log_for(old)  # the old way: the application's role creates (and so owns) its tables
    old.close()
    assert setup(postgres_url, app_role, monkeypatch) == 0
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        owners = {r[0] for r in conn.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")}
    assert owners == {"postgres"}


def test_a_missing_schema_is_one_sentence(
    postgres_url: str, app_role: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE \"{app_role}\" LOGIN PASSWORD '{PASSWORD}'")
    url = role_url(postgres_url, app_role)
    with pytest.raises(SchemaMissing, match="careplan db setup"):
        build_app({"CAREPLAN_DATABASE_URL": url, "CAREPLAN_MODE": "demo"})
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", url)
    assert main(["verify"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("careplan verify: The database has no careplan_events table")
    # The web app stops at boot (a gunicorn worker does not come up), not at its first request, where
    # the session's save would meet the missing table outside every error handler.
    from web.app import create_app

    with pytest.raises(SchemaMissing, match="careplan db setup"):
        create_app({"CAREPLAN_ENV": {"CAREPLAN_DATABASE_URL": url, "CAREPLAN_MODE": "demo", "CAREPLAN_SECRET_KEY": "k" * 48}})


def test_bad_setups_are_refused_in_one_line(
    postgres_url: str, app_role: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CAREPLAN_ADMIN_DATABASE_URL", raising=False)
    for argv in (
        ["db", "setup"],
        ["db", "setup", "--admin-url", "sqlite:///x.sqlite"],
        ["db", "setup", "--admin-url", postgres_url, "--app-role", "postgres"],
        ["db", "setup", "--admin-url", postgres_url.rsplit("/", 1)[0] + "/no_such_db", "--app-role", app_role],
    ):
        assert main(argv) == 2, argv
        assert len(capsys.readouterr().err.strip().splitlines()) == 1, argv
    with pytest.raises(SystemExit) as exited:
        main(["db", "setup", "--app-role", "Robert'); DROP TABLE"])
    assert exited.value.code == 2
