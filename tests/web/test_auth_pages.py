"""Signing in and out of the pages, and what a session is worth once the account changes."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from careplan.domain.values import Actor
from tests.web.conftest import PASSWORD, People, csrf

ADMIN = Actor("tests", "admin")


def sign_in(client: FlaskClient, username: str, password: str, **extra: str) -> object:
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf(client), **extra})


def test_the_login_page_is_served_to_anyone(client: FlaskClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="csrf_token"' in response.data and b'type="password"' in response.data


def test_a_right_password_signs_in_and_sends_the_person_on(client: FlaskClient, people: People) -> None:
    people.add("clinician")
    response = sign_in(client, "clinician", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/journeys/new").status_code == 403  # signed in, as a clinician


def test_a_wrong_password_or_unknown_name_is_refused_with_the_same_words(client: FlaskClient, people: People) -> None:
    people.add("clinician")
    wrong = sign_in(client, "clinician", "not the password")
    unknown = sign_in(client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert b"Unknown username or wrong password." in wrong.data and b"Unknown username or wrong password." in unknown.data
    assert client.get("/journeys/new").status_code == 302


def test_a_sign_in_without_the_forms_csrf_token_is_refused(client: FlaskClient, people: People) -> None:
    people.add("clinician")
    response = client.post("/login", data={"username": "clinician", "password": PASSWORD})
    assert response.status_code == 400


def test_after_sign_in_the_person_goes_back_to_the_page_they_asked_for(client: FlaskClient, people: People) -> None:
    people.add("coordinator")
    asked = client.get("/journeys/new")
    assert asked.headers["Location"] == "/login?next=/journeys/new"
    response = sign_in(client, "coordinator", PASSWORD, next="/journeys/new")
    assert response.headers["Location"] == "/journeys/new"


def test_a_next_pointing_to_another_site_is_ignored(client: FlaskClient, people: People) -> None:
    people.add("coordinator")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        assert sign_in(client, "coordinator", PASSWORD, next=target).headers["Location"] == "/"


def test_signing_out_ends_the_session(client: FlaskClient, people: People) -> None:
    people.login(client, "coordinator")
    assert client.get("/journeys/new").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf(client)}).status_code == 302
    assert client.get("/journeys/new").status_code == 302


def test_a_disabled_account_is_signed_out_at_its_next_request(client: FlaskClient, people: People) -> None:
    people.login(client, "coordinator")
    people.users().disable("coordinator", actor=ADMIN)
    assert client.get("/journeys/new").status_code == 302
    assert sign_in(client, "coordinator", PASSWORD).status_code == 401


def test_a_changed_role_ends_an_open_session_and_the_new_role_applies_at_the_next_sign_in(client: FlaskClient, people: People) -> None:
    people.login(client, "coordinator")
    people.users().change_role("coordinator", "auditor", actor=ADMIN)
    assert client.get("/journeys/new").status_code == 302
    assert sign_in(client, "coordinator", PASSWORD).status_code == 302
    assert client.get("/journeys/new").status_code == 403


def test_a_new_password_ends_the_sessions_signed_in_with_the_old_one(client: FlaskClient, people: People) -> None:
    people.login(client, "coordinator")
    people.users().set_password("coordinator", "a brand new password", actor=ADMIN)
    assert client.get("/journeys/new").status_code == 302


def test_a_page_write_carries_the_signed_in_actor(client: FlaskClient, people: People) -> None:
    people.login(client, "coordinator")
    response = client.post("/journeys/new", data={"patient_ref": "MRN-000777", "csrf_token": csrf(client)})
    assert response.status_code == 302
    journey_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    events = client.get(f"/api/v1/journeys/{journey_id}/events", headers=people.headers("auditor")).get_json()
    assert events[0]["actor"] == {"id": "coordinator", "role": "coordinator"}


def test_the_session_cookie_is_http_only_and_same_site(app: Flask, client: FlaskClient, people: People) -> None:
    people.add("clinician")
    response = sign_in(client, "clinician", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("careplan_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_an_admin_adds_a_person_and_sees_the_password_and_token_once(client: FlaskClient, people: People) -> None:
    people.login(client, "admin")
    response = client.post("/people", data={"name": "dr.ng", "role": "clinician", "csrf_token": csrf(client)})
    assert response.status_code == 200
    token = response.data.split(b"API token: <code>")[1].split(b"<")[0].decode()
    assert client.get("/api/v1/journeys", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token.encode() not in client.get("/people").data
    account = people.users().get("dr.ng")
    assert account.role == "clinician" and account.registered_by == "admin"


def test_an_admin_disables_and_enables_a_person(client: FlaskClient, people: People) -> None:
    people.add("clinician")
    people.login(client, "admin")
    assert client.post("/people/clinician/disable", data={"csrf_token": csrf(client)}).status_code == 302
    assert people.users().get("clinician").enabled is False
    client.post("/people/clinician/enable", data={"csrf_token": csrf(client)})
    assert people.users().get("clinician").enabled is True


def test_adding_a_person_with_a_bad_name_is_a_422_page_with_the_reason(client: FlaskClient, people: People) -> None:
    people.login(client, "admin")
    response = client.post("/people", data={"name": "Jane Doe", "role": "clinician", "csrf_token": csrf(client)})
    assert response.status_code == 422 and b"not a valid username" in response.data


@pytest.mark.parametrize("role", ["coordinator", "clinician", "auditor", "admin"])
def test_every_link_in_a_roles_navigation_opens_a_page_it_may_see(app: Flask, people: People, role: str) -> None:
    client = app.test_client()
    people.login(client, role)
    home = client.get("/", follow_redirects=True)
    nav = home.get_data(as_text=True).split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'href="([^"]+)"', nav)
    assert links, f"{role} sees no navigation"
    for link in links:
        assert client.get(link).status_code == 200, f"{role} is shown {link} but may not open it"


def test_admins_find_the_people_page_in_the_navigation_and_coordinators_do_not(app: Flask, people: People) -> None:
    admin, coordinator = app.test_client(), app.test_client()
    people.login(admin, "admin")
    people.login(coordinator, "coordinator")
    assert 'href="/people"' in admin.get("/dashboard").get_data(as_text=True)
    page = coordinator.get("/dashboard").get_data(as_text=True)
    assert 'href="/people"' not in page and 'href="/journeys/new"' in page


def test_an_admin_cannot_lock_themselves_out_from_the_people_page(app: Flask, people: People) -> None:
    client = app.test_client()
    people.login(client, "admin")
    assert "/people/admin/disable" not in client.get("/people").get_data(as_text=True)
    response = client.post("/people/admin/disable", data={"csrf_token": csrf(client)}, follow_redirects=True)
    assert "cannot disable your own account" in response.get_data(as_text=True)
    assert client.get("/people").status_code == 200  # still signed in, still enabled
