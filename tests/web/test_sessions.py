"""Sessions kept in the store end for good: at sign-out (a copied cookie opens nothing), when the
account is disabled, its role or password changes, after 15 idle minutes and after their lifetime;
re-enabling an account revives neither its sessions nor its API token; the cookie holds an id only."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from careplan.adapters.side_tables import SideTables
from careplan.domain.values import Actor
from tests.conftest import Clock
from tests.web.conftest import People, csrf, make_web_app
from web.services import careplan

ADMIN = Actor("tests", "admin")
JOURNEYS = "/api/v1/journeys"


@pytest.fixture
def web(tmp_path: Path, clock: Clock, store_url: str) -> Iterator[Flask]:
    """The web app on SQLite and on PostgreSQL."""
    app = make_web_app(tmp_path, clock)
    app.config["CAREPLAN_ENV"] = {**app.config["CAREPLAN_ENV"], "CAREPLAN_DATABASE_URL": store_url}
    yield app
    if "careplan" in app.extensions:
        app.extensions["careplan"].close()


@pytest.fixture
def people(web: Flask) -> People:
    return People(web)


def signed_in(web: Flask, people: People, role: str = "coordinator") -> FlaskClient:
    client = web.test_client()
    people.login(client, role)
    return client


def cookie_of(client: FlaskClient) -> str:
    found = client.get_cookie("careplan_session")
    assert found is not None
    return found.value


def copy_with(web: Flask, value: str) -> FlaskClient:
    thief = web.test_client()
    thief.set_cookie("careplan_session", value)
    return thief


def test_a_cookie_copied_before_sign_out_opens_nothing_afterwards(web: Flask, people: People) -> None:
    client = signed_in(web, people)
    copied = cookie_of(client)
    assert copy_with(web, copied).get("/journeys/new").status_code == 200
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert copy_with(web, copied).get("/journeys/new").status_code == 302


@pytest.mark.parametrize(
    "change",
    [
        lambda users: users.disable("coordinator", actor=ADMIN),
        lambda users: users.change_role("coordinator", "clinician", actor=ADMIN),
        lambda users: users.set_password("coordinator", "another long password", actor=ADMIN),
    ],
    ids=["disable", "role change", "password change"],
)
def test_an_account_change_ends_its_sessions_at_once(web: Flask, people: People, change: object) -> None:
    client = signed_in(web, people)
    change(people.users())  # type: ignore[operator]
    assert client.get("/journeys/new").status_code == 302


def test_re_enabling_an_account_revives_neither_its_old_sessions_nor_its_old_token(web: Flask, people: People) -> None:
    client = signed_in(web, people)
    headers = people.headers("coordinator")
    assert web.test_client().get(JOURNEYS, headers=headers).status_code == 200
    people.users().disable("coordinator", actor=ADMIN)
    people.users().enable("coordinator", actor=ADMIN)
    assert client.get("/journeys/new").status_code == 302
    assert web.test_client().get(JOURNEYS, headers=headers).status_code == 401
    token = people.users().issue_token("coordinator", actor=ADMIN)
    assert web.test_client().get(JOURNEYS, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_session_ends_after_fifteen_idle_minutes_but_not_while_used(web: Flask, people: People, clock: Clock) -> None:
    client = signed_in(web, people)
    for _ in range(4):
        clock.advance(minutes=14)
        assert client.get("/journeys/new").status_code == 200
    clock.advance(minutes=15, seconds=31)
    assert client.get("/journeys/new").status_code == 302


def test_a_session_ends_after_its_lifetime_however_busy(web: Flask, people: People, clock: Clock) -> None:
    client = signed_in(web, people)
    for _ in range(12 * 6):
        clock.advance(minutes=10)
        client.get("/journeys/new")
    clock.advance(minutes=1)
    assert client.get("/journeys/new").status_code == 302


def test_the_idle_time_out_is_a_setting(tmp_path: Path, clock: Clock) -> None:
    app = make_web_app(tmp_path, clock)
    short = make_web_app(tmp_path, clock, CAREPLAN_ENV={**app.config["CAREPLAN_ENV"], "CAREPLAN_SESSION_IDLE_MINUTES": "2"})
    try:
        client = signed_in(short, People(short))
        clock.advance(minutes=3)
        assert client.get("/journeys/new").status_code == 302
    finally:
        short.extensions["careplan"].close()


def test_a_session_id_planted_before_sign_in_is_replaced(web: Flask, people: People) -> None:
    """No session id is given out before sign-in any more, so the attacker plants one of their own."""
    planted = "planted-" + "x" * 35
    client = copy_with(web, planted)
    people.login(client, "coordinator")
    assert cookie_of(client) != planted
    assert copy_with(web, planted).get("/journeys/new").status_code == 302


def test_no_flash_message_or_other_value_travels_in_the_cookie(web: Flask, people: People) -> None:
    client = signed_in(web, people, "admin")
    people.add("clinician")
    client.post("/people/clinician/disable", data={"csrf_token": csrf(client)})
    value = cookie_of(client)
    assert len(value) < 64 and "clinician" not in value
    padded = value + "=" * (-len(value) % 4)
    assert b"clinician" not in base64.urlsafe_b64decode(padded)
    assert b"clinician disabled" in client.get("/people").data


def test_the_store_keeps_a_hash_of_the_session_id_not_the_id(web: Flask, people: People) -> None:
    client = signed_in(web, people)
    with web.app_context():
        with SideTables(careplan()).cursor(commit=False) as run:
            stored = [row[0] for row in run("SELECT id_hash FROM web_sessions", ())]
    assert len(stored) == 1 and cookie_of(client) not in stored
