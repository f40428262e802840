"""``careplan keys rotate`` carries every table of a working store (DESIGN 7.4): a clinic's day with
accounts, patients, chair bookings, a signed-in session and an access log, rotated on SQLite and on
PostgreSQL; heads saved before still verify after; the copied ledger still refuses a taken chair."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from careplan.adapters.settings import StoreUnreadable
from careplan.adapters.side_tables import SideTables
from careplan.audit.rotate import COPIED, UnknownTable, known_tables, rotate, tables_of
from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli.keys import read_views
from careplan.entrypoints.cli.main import main
from tests.conftest import Clock, _admin_connect
from tests.web.conftest import People, make_web_app

OLD_KEY = base64.b64encode(b"o" * 32).decode()
NEW_KEY = base64.b64encode(b"n" * 32).decode()
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # a Monday, 09:00 in New York
CONSULT = {"eligible": True, "prior_antidepressant_trials": 3, "psychotherapy_tried": True}


@pytest.fixture
def new_url(store_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty store of the same kind as ``store_url``: the rotation's target."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'rotated.sqlite'}"
        return
    name = f"careplan_test_{uuid.uuid4().hex[:12]}"
    with _admin_connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield store_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with _admin_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def env_for(url: str, key: str, tmp_path: Path) -> dict[str, str]:
    return {
        "CAREPLAN_DATABASE_URL": url,
        "CAREPLAN_CIPHER_KEY": key,
        "CAREPLAN_INSTANCE": str(tmp_path / "instance"),
        "CAREPLAN_TIMEZONE": "America/New_York",
        "CAREPLAN_MODE": "demo",
    }


def web_on(url: str, key: str, tmp_path: Path, clock: Clock) -> Flask:
    return make_web_app(tmp_path, clock, CAREPLAN_ENV=env_for(url, key, tmp_path))


def api(client: FlaskClient, people: People, method: str, path: str, role: str = "coordinator", **kw: Any) -> Any:
    return getattr(client, method)(f"/api/v1{path}", headers=people.headers(role), **kw)


def open_and_book(client: FlaskClient, people: People, ref: str, chair: int) -> str:
    opened = api(client, people, "post", "/journeys", json={"patient_ref": ref, "occurred_at": "2026-03-02T14:00:00Z"})
    assert opened.status_code == 201, opened.get_json()
    jid = str(opened.get_json()["id"])
    consult = {"type": "ConsultationCompleted", "data": CONSULT}
    assert api(client, people, "post", f"/journeys/{jid}/events", "clinician", json=consult).status_code == 201
    assert book(client, people, jid, chair).status_code == 201
    return jid


def book(client: FlaskClient, people: People, jid: str, chair: int) -> Any:
    data = {"phase": "induction", "scheduled_for": "2026-03-03T10:00:00-05:00", "chair": chair, "duration_min": 60}
    return api(client, people, "post", f"/journeys/{jid}/events", json={"type": "InfusionScheduled", "data": data})


def count(url: str, key: str, table: str, tmp_path: Path) -> int:
    app = build_app(env_for(url, key, tmp_path))
    try:
        with SideTables(app).cursor(commit=False) as run:
            return int(run(f"SELECT COUNT(*) FROM {table}", ())[0][0])
    finally:
        app.close()


def test_a_rotated_store_keeps_every_table_its_chains_and_its_saved_heads(
    store_url: str, new_url: str, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock.now = NOW
    old_web = web_on(store_url, OLD_KEY, tmp_path, clock)
    client, people = old_web.test_client(), People(old_web)
    journeys = [open_and_book(client, people, f"MRN-ROT-{chair}", chair) for chair in (1, 2)]
    people.login(client, "clinician")
    for jid in journeys:  # reads that the access log records
        assert client.get(f"/journeys/{jid}").status_code == 200
    old_web.extensions["careplan"].close()
    entries = count(store_url, OLD_KEY, "access_log", tmp_path)
    assert entries >= 2 and count(store_url, OLD_KEY, "web_sessions", tmp_path) >= 1
    assert count(store_url, OLD_KEY, "chair_bookings", tmp_path) == 2

    heads = tmp_path / "heads.json"
    for name, value in env_for(store_url, OLD_KEY, tmp_path).items():
        monkeypatch.setenv(name, value)
    assert main(["verify", "--save-heads", str(heads)]) == 0
    monkeypatch.setenv("CAREPLAN_NEW_CIPHER_KEY", NEW_KEY)
    capsys.readouterr()
    assert main(["keys", "rotate", "--to-url", new_url, "--heads", str(heads)]) == 0
    said = capsys.readouterr().out
    assert "copied 2 journeys" in said and f"access_log {entries}" in said and "chair_bookings 2" in said, said
    assert "every saved head is held" in said

    monkeypatch.setenv("CAREPLAN_DATABASE_URL", new_url)
    monkeypatch.setenv("CAREPLAN_CIPHER_KEY", NEW_KEY)
    assert main(["verify", "--heads", str(heads)]) == 0, capsys.readouterr().out
    assert count(new_url, NEW_KEY, "chair_bookings", tmp_path) == 2
    assert count(new_url, NEW_KEY, "web_sessions", tmp_path) == 0
    with_old_key = build_app(env_for(new_url, OLD_KEY, tmp_path))
    try:
        with pytest.raises(StoreUnreadable):  # sealed under the new key, not copied bytes
            with_old_key.get(uuid.UUID(journeys[0]))
    finally:
        with_old_key.close()

    new_web = web_on(new_url, NEW_KEY, tmp_path, clock)
    try:
        fresh, same_people = new_web.test_client(), People(new_web)
        same_people.made = people.made  # the accounts (and their tokens) came along
        second = open_and_book_refused(fresh, same_people)
        assert second == "chair_taken"
        again = api(fresh, same_people, "post", "/journeys", json={"patient_ref": "MRN-ROT-1"})
        assert again.status_code == 409 and again.get_json()["code"] == "journey_exists"  # the patient index came along
        assert api(fresh, same_people, "get", f"/journeys/{journeys[0]}", "auditor").status_code == 200
        listed = api(fresh, same_people, "get", "/journeys", "auditor").get_json()
        assert {j["id"] for j in _items(listed)} >= set(journeys)  # the views were rebuilt
        cookie = client.get_cookie("careplan_session")
        assert cookie is not None
        fresh.set_cookie("careplan_session", cookie.value)
        assert fresh.get(f"/journeys/{journeys[0]}").status_code in (302, 401)  # sessions ended: sign in again
    finally:
        new_web.extensions["careplan"].close()
    assert count(new_url, NEW_KEY, "access_log", tmp_path) > entries  # the chain goes on from the copied entries
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", new_url)
    assert main(["verify", "--heads", str(heads)]) == 0


def open_and_book_refused(client: FlaskClient, people: People) -> str:
    opened = api(client, people, "post", "/journeys", json={"patient_ref": "MRN-ROT-3", "occurred_at": "2026-03-02T14:00:00Z"})
    assert opened.status_code == 201, opened.get_json()
    jid = str(opened.get_json()["id"])
    consult = {"type": "ConsultationCompleted", "data": CONSULT}
    assert api(client, people, "post", f"/journeys/{jid}/events", "clinician", json=consult).status_code == 201
    answer = book(client, people, jid, 1)
    assert answer.status_code == 409, answer.get_json()
    return str(answer.get_json()["code"])


def _items(listed: Any) -> list[dict[str, Any]]:
    return list(listed["items"] if isinstance(listed, dict) else listed)


def test_a_table_the_rotation_does_not_know_stops_it_before_anything_is_copied(
    make_app: Any, store_url: str, new_url: str, clock: Clock
) -> None:
    old = make_app(store_url, clock, cipher_key=OLD_KEY)
    with SideTables(old).cursor(commit=True) as run:
        run("CREATE TABLE outbox_extra (id INTEGER PRIMARY KEY)", ())
    new = make_app(new_url, clock, cipher_key=NEW_KEY)
    with pytest.raises(UnknownTable, match="outbox_extra"):
        rotate(old, new, read_views())
    assert not new.recorder.select_notifications(start=1, limit=1)


@pytest.mark.postgres
def test_every_table_db_setup_makes_is_one_the_rotation_carries_ends_or_rebuilds(postgres_url: str, protocols: Any) -> None:
    """A side table added later must say how a rotation carries it (else the rotation refuses to run)."""
    from careplan.adapters.settings import StoreSettings
    from careplan.application import CarePlan
    from careplan.entrypoints.db_setup import create_schema

    app = CarePlan(StoreSettings(url=postgres_url), protocols)
    try:
        create_schema(app)
        views = read_views()
        assert tables_of(SideTables(app)) <= known_tables(app, views.tables)
        assert set(COPIED) <= tables_of(SideTables(app))
    finally:
        app.close()
