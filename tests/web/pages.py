"""Helpers for the page tests: the session's CSRF token, a signed-in client, and posting an event form
the way a browser posts it (hidden fields included)."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from flask import Flask
from flask.testing import FlaskClient

from careplan.application import CarePlan
from tests.web.conftest import People


def token(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        value = session.get("_csrf_token")
    if not value:  # any page made by base.html carries one (signed out: the login page; in: sign-out)
        client.get("/login")
        client.get("/audit/")
        with client.session_transaction() as session:
            value = session["_csrf_token"]
    return str(value)


def signed_in(app: Flask, people: People, role: str) -> FlaskClient:
    client = app.test_client()
    people.login(client, role)
    return client


def careplan(app: Flask) -> CarePlan:
    from web.services import careplan as service

    with app.app_context():
        return service()


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden field {name}"
    return found.group(1)


def open_form(client: FlaskClient, journey: UUID, event_type: str) -> dict[str, str]:
    """The hidden fields of a freshly drawn form: type, expected_version, nonce and the CSRF token."""
    page = client.get(f"/journeys/{journey}/events/new?type={event_type}").get_data(as_text=True)
    return {name: hidden(page, name) for name in ("type", "expected_version", "nonce", "csrf_token")}


def post_event(client: FlaskClient, journey: UUID, form: dict[str, str], **fields: Any) -> Any:
    return client.post(f"/journeys/{journey}/events/new", data={**form, **fields})


def field_block(page: str, name: str) -> str:
    """The HTML of one field's block, from its opening tag to the next field: where its error must be."""
    start = page.index(f'id="f-{name}"')
    starts = [m.start() for m in re.finditer(r'class="field[ "]', page)]
    block_start = max(p for p in starts if p < start)
    following = [p for p in starts if p > start]
    return page[block_start : following[0] if following else len(page)]
