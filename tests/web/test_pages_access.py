"""Each page renders for the roles allowed to see it, answers 403 to the others and sends a signed-out
visitor to the login page; every POST form without the session's CSRF token is refused with 400."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from uuid import UUID

import pytest
from flask import Flask

from careplan.domain.values import Actor
from tests.conftest import Clock
from tests.web.conftest import ROLES, People, make_web_app
from tests.web.pages import careplan, signed_in, token

PAGES = {
    "/dashboard": {"coordinator", "clinician", "admin"},
    "/journeys/{id}": {"coordinator", "clinician", "auditor", "admin"},
    "/journeys/{id}/events/new": {"coordinator", "clinician"},
    "/journeys/{id}/events/new?type=NoteAdded": {"coordinator", "clinician"},
    "/journeys/{id}/events/new?type=VitalsRecorded": {"clinician"},
    "/journeys/new": {"coordinator"},
    "/audit/": {"auditor", "admin"},
    "/audit/journeys/{id}": {"auditor", "admin"},
    "/audit/journeys/{id}?version=1": {"auditor", "admin"},
    "/audit/journeys/{id}/diff?from=1&to=2": {"auditor", "admin"},
    "/audit/journeys/{id}/log": {"auditor", "admin"},
    "/audit/journeys/{id}/history.json": {"auditor", "admin"},
    "/audit/journeys/{id}/history.csv": {"auditor", "admin"},
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, People, UUID]]:
    app = make_web_app(tmp_path_factory.mktemp("access"), Clock(datetime(2026, 3, 2, 9, tzinfo=timezone.utc)))
    people = People(app)
    for role in ROLES:
        people.add(role)
    plan = careplan(app)
    journey = plan.open_journey("MRN-ACCESS", actor=Actor("c", "coordinator"))
    plan.record(journey, "NoteAdded", {"text": "First contact."}, actor=Actor("c", "coordinator"))
    yield app, people, journey
    plan.close()


@pytest.mark.parametrize("path", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_a_page_renders_for_its_roles_and_is_forbidden_to_the_others(site, path: str, role: str) -> None:
    app, people, journey = site
    response = signed_in(app, people, role).get(path.format(id=journey))
    expected = 200 if role in PAGES[path] else 403
    assert response.status_code == expected, response.get_data(as_text=True)[:500]
    if expected == 403:
        assert "Not allowed" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/dashboard", "/journeys/{id}", "/journeys/new", "/audit/journeys/{id}"])
def test_a_signed_out_visitor_is_sent_to_the_login_page(site, path: str) -> None:
    app, _, journey = site
    response = app.test_client().get(path.format(id=journey))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_home_page_sends_each_role_to_its_work(site) -> None:
    app, people, _ = site
    assert signed_in(app, people, "coordinator").get("/").headers["Location"].endswith("/dashboard")
    assert signed_in(app, people, "auditor").get("/").headers["Location"].endswith("/audit/")


def test_an_unknown_journey_is_a_404_page_not_a_traceback(site) -> None:
    app, people, _ = site
    response = signed_in(app, people, "clinician").get("/journeys/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404 and "There is no such journey" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path, role, data",
    [
        ("/journeys/{id}/events/new", "clinician", {"type": "NoteAdded", "text": "x", "expected_version": "2", "nonce": "n"}),
        ("/journeys/new", "coordinator", {"patient_ref": "MRN-CSRF", "nonce": "n"}),
        ("/dashboard/search", "coordinator", {"q": "MRN-ACCESS"}),
        ("/audit/search", "auditor", {"q": "MRN-ACCESS"}),
    ],
)
def test_a_form_posted_without_the_csrf_token_is_refused_and_records_nothing(site, path, role, data) -> None:
    app, people, journey = site
    client = signed_in(app, people, role)
    before = careplan(app).get(journey).version
    missing = client.post(path.format(id=journey), data=data)
    forged = client.post(path.format(id=journey), data={**data, "csrf_token": "forged"})
    assert missing.status_code == 400 and forged.status_code == 400
    assert "did not come from this site" in missing.get_data(as_text=True)
    assert careplan(app).get(journey).version == before
    assert client.post(path.format(id=journey), data={**data, "csrf_token": token(client)}).status_code in (200, 302)
