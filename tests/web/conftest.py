"""Web fixtures in the flaskr style: an app on a SQLite file of its own, a test client, and people.

``people`` makes one account per role on first use (named after the role) and gives its API headers,
or signs a test client in through the login page. Passwords use a cheap hash here (the app's default
is scrypt, about 0.1 s a check), so the role matrix stays fast.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from careplan.domain.values import Actor
from careplan.users import NewUser, Users
from tests.conftest import Clock
from web.app import create_app
from web.csrf import SESSION_KEY

PASSWORD = "correct horse battery"
FAST_HASH = "pbkdf2:sha256:1000"
ROLES = ("coordinator", "clinician", "auditor", "admin")


def make_web_app(tmp_path: Path, clock: Clock, **config: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only-" + "k" * 32,
            "CAREPLAN_ENV": {
                "CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'careplan.sqlite'}",
                "CAREPLAN_INSTANCE": str(tmp_path / "instance"),
                "CAREPLAN_MODE": "demo",
            },
            "CAREPLAN_CLOCK": clock,
            "CAREPLAN_PASSWORD_METHOD": FAST_HASH,
            **config,
        }
    )


@pytest.fixture
def web(tmp_path: Path, clock: Clock, store_url: str) -> Iterator[Flask]:
    """The web app on the parametrized store (SQLite and PostgreSQL), closed after the test."""
    app = make_web_app(tmp_path, clock)
    app.config["CAREPLAN_ENV"] = {**app.config["CAREPLAN_ENV"], "CAREPLAN_DATABASE_URL": store_url}
    yield app
    if "careplan" in app.extensions:
        app.extensions["careplan"].close()


@pytest.fixture
def app(tmp_path: Path, clock: Clock) -> Iterator[Flask]:  # type: ignore[override]
    flask_app = make_web_app(tmp_path, clock)
    yield flask_app
    instance = flask_app.extensions.get("careplan")
    if instance is not None:
        instance.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class People:
    """One account per role, made on first use; API headers and page sign-in for each."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.made: dict[str, NewUser] = {}

    def users(self) -> Users:
        from web.auth.accounts import users

        with self.app.app_context():
            return users()

    def add(self, role: str) -> NewUser:
        if role not in self.made:
            self.made[role] = self.users().add(role, role, password=PASSWORD, actor=Actor("tests", "admin"))
        return self.made[role]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.add(role).token}"}

    def login(self, client: FlaskClient, role: str) -> None:
        self.add(role)
        response = client.post("/login", data={"username": role, "password": PASSWORD, "csrf_token": csrf(client)})
        assert response.status_code == 302, response.data


def csrf(client: FlaskClient) -> str:
    """The CSRF token a page's form would carry: the session's when signed in; before sign-in, when no
    session is stored, the sign-in form's (bound to the browser by its ``careplan_csrf`` cookie)."""
    with client.session_transaction() as session:
        if getattr(session, "kept", False):
            return str(session.setdefault(SESSION_KEY, secrets.token_urlsafe(32)))
    return sign_in_form_token(client)


def sign_in_form_token(client: FlaskClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert found is not None, "the sign-in page carries a CSRF token"
    return found.group(1)


@pytest.fixture
def people(app: Flask) -> People:
    return People(app)
