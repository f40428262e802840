"""Requests no form sends (the low findings of the security issue, on the web): HEAD with a form body
is not a way around CSRF and records nothing; 5,000-digit numbers and dates at the ends of the
calendar in any query or path are a 400 that says what is wanted, never a 500; a ``next`` with CR/LF
or other control characters is dropped, never a 500 or a second header."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask import Flask

from tests.conftest import Clock
from tests.web.conftest import PASSWORD, People, csrf, make_web_app
from web.services import careplan

BIG = "9" * 5000
NUMBERS = ("page", "version", "from", "to", "offset", "limit", "page_size", "series", "expected_version")
DATES = ("date", "as_of", "from", "to", "start", "after")
ENDS = ("9999-12-31", "0001-01-01", "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00-14:00", BIG)


@pytest.fixture
def site(tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    """On SQLite only: reading a query string does not depend on the store."""
    app = make_web_app(tmp_path, clock)
    yield app
    if "careplan" in app.extensions:
        app.extensions["careplan"].close()


@pytest.fixture
def people(request: pytest.FixtureRequest) -> People:
    return People(request.getfixturevalue("site" if "site" in request.fixturenames else "web"))


def opened(web: Flask, people: People) -> str:
    created = web.test_client().post("/api/v1/journeys", json={"patient_ref": "MRN-ODD-1"}, headers=people.headers("coordinator"))
    return str(created.get_json()["id"])


def versions(web: Flask, journey: str) -> int:
    with web.app_context():
        return careplan().get(UUID(journey)).version


def journeys(web: Flask, people: People) -> int:
    return len(web.test_client().get("/api/v1/journeys", headers=people.headers("auditor")).get_json())


# -- HEAD ------------------------------------------------------------------------------------------


def test_head_with_a_form_body_signs_no_one_in(web: Flask, people: People) -> None:
    people.add("admin")
    client = web.test_client()
    response = client.open("/login", method="HEAD", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/people").status_code == 302
    with_token = client.open("/login", method="HEAD", data={"username": "admin", "password": PASSWORD, "csrf_token": csrf(client)})
    assert with_token.status_code == 200, "HEAD is answered as GET is: the page, nothing done"
    assert client.get("/people").status_code == 302


def test_head_with_a_form_body_opens_no_journey_and_records_no_event(web: Flask, people: People) -> None:
    journey = opened(web, people)
    before = journeys(web, people)
    for role, path, form in (
        ("coordinator", "/journeys/new", {"patient_ref": "MRN-ODD-2", "protocol": "ketamine-trd"}),
        ("clinician", f"/journeys/{journey}/events/new?type=NoteAdded", {"type": "NoteAdded", "text": "by HEAD", "expected_version": "1"}),
    ):
        client = web.test_client()
        people.login(client, role)
        assert client.open(path, method="HEAD", data=form).status_code == 400
        assert client.open(path, method="HEAD", data={**form, "csrf_token": csrf(client)}).status_code == 200
    assert journeys(web, people) == before
    assert versions(web, journey) == 1


# -- numbers and dates -------------------------------------------------------------------------------


def concrete(rule: str, journey: str, version: str = "1") -> str | None:
    path = rule.replace("<uuid:journey_id>", journey).replace("<int:version>", version)
    path = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", path)
    return None if "<" in path else path


def every_get(web: Flask, journey: str) -> list[str]:
    rules = [r for r in web.url_map.iter_rules() if "GET" in (r.methods or ()) and r.endpoint != "static"]
    return [path for rule in rules if (path := concrete(rule.rule, journey))]


def test_no_query_of_any_page_or_api_answers_500_to_huge_numbers_digits_not_ascii_or_the_ends_of_the_calendar(site: Flask, people: People) -> None:
    journey = opened(site, people)
    page, api = site.test_client(), site.test_client()
    people.login(page, "admin")
    failures: list[tuple[str, str, str, int]] = []
    for path in every_get(site, journey):
        client, headers = (api, people.headers("admin")) if path.startswith("/api/") else (page, {})
        for name, value in [*((n, v) for n in NUMBERS for v in (BIG, "²")), *((n, v) for n in DATES for v in ENDS)]:
            status = client.get(path, query_string={name: value}, headers=headers).status_code
            if status >= 500:
                failures.append((path, name, value[:25], status))
    assert failures == []


@pytest.mark.parametrize(
    "path, message",
    [
        ("/dashboard?page=" + BIG, "'page' must be a whole number from 1 to 1,000,000."),
        ("/audit/?page=" + BIG, "'page' must be a whole number from 1 to 1,000,000."),
        ("/audit/access/?page=" + BIG, "'page' must be a whole number from 1 to 1,000,000."),
        ("/audit/journeys/{id}?version=" + BIG, "'version' must be a version: a whole number from 1 to 1."),
        ("/audit/journeys/{id}/diff?from=" + BIG + "&to=1", "'from' must be a version"),
        ("/audit/journeys/{id}/diff?from=1&to=" + BIG, "'to' must be a version"),
        ("/journeys/{id}/events/" + BIG + "/entered-in-error", "more than 18 digits"),
        ("/schedule?date=9999-12-31", "'date' must be a date from 1900-01-01 to 2199-12-31"),
        ("/schedule?date=0001-01-01", "'date' must be a date from 1900-01-01 to 2199-12-31"),
        ("/dashboard?page=%C2%B2", "'page' must be a whole number"),
    ],
    ids=["dashboard page", "audit page", "access page", "version", "from", "to", "path version", "9999-12-31", "0001-01-01", "superscript two"],
)
def test_a_number_or_date_out_of_bounds_is_a_400_that_says_what_is_wanted(site: Flask, people: People, path: str, message: str) -> None:
    journey = opened(site, people)
    client = site.test_client()
    people.login(client, "admin")
    response = client.get(path.replace("{id}", journey))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")


# -- next ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/x\r\nSet-Cookie: stolen=1", "/x\nLocation: //evil.example", "/x\ty", "/\x85", "/x\x00"])
def test_a_next_with_control_characters_is_dropped_not_a_500_or_a_header(site: Flask, people: People, target: str) -> None:
    people.add("clinician")
    client = site.test_client()
    assert client.get("/login", query_string={"next": target}).status_code in (200, 400)  # NUL: refused at the door
    response = client.post("/login", data={"username": "clinician", "password": PASSWORD, "csrf_token": csrf(client), "next": target})
    assert response.status_code in (302, 400)
    assert "stolen" not in str(response.headers) and "evil" not in str(response.headers)
    if response.status_code == 302:
        assert response.headers["Location"] == "/"
        assert client.get("/login", query_string={"next": target}).status_code == 302


def test_a_next_on_this_site_is_still_followed(site: Flask, people: People) -> None:
    people.add("clinician")
    client = site.test_client()
    data: dict[str, Any] = {"username": "clinician", "password": PASSWORD, "csrf_token": csrf(client), "next": "/schedule?date=2026-03-03"}
    assert client.post("/login", data=data).headers["Location"] == "/schedule?date=2026-03-03"

