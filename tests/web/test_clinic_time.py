"""Clinic time at the boundaries (DESIGN 6.4): the API takes and gives ISO 8601 with an offset and
refuses a datetime without one (422, field message); pages show and forms take the clinic's local time
with its zone's abbreviation, across the March and November changes in America/New_York."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.application.steps import CLINICIAN
from tests.browser.scenes import ready_for_induction
from tests.conftest import Clock
from tests.examples import VALID_DATA
from tests.web.conftest import People, csrf, make_web_app
from tests.web.pages import careplan, open_form, post_event, signed_in
from web.clinic import local_words

NEW_YORK = {"CAREPLAN_TIMEZONE": "America/New_York"}
OFFSET_MESSAGE = "Give the offset of the time"


@pytest.fixture
def ny_app(tmp_path: Path, clock: Clock) -> Any:
    clock.now = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
    env = {
        "CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'careplan.sqlite'}",
        "CAREPLAN_INSTANCE": str(tmp_path / "instance"),
        "CAREPLAN_MODE": "demo",
        **NEW_YORK,
    }
    flask_app = make_web_app(tmp_path, clock, CAREPLAN_ENV=env)
    yield flask_app
    instance = flask_app.extensions.get("careplan")
    if instance is not None:
        instance.close()


@pytest.fixture
def ny(ny_app: Flask) -> tuple[FlaskClient, People]:
    return ny_app.test_client(), People(ny_app)


def api(client: FlaskClient, people: People, method: str, path: str, role: str = "clinician", **kw: Any) -> Any:
    return getattr(client, method)(f"/api/v1{path}", headers=people.headers(role), **kw)


def open_journey(client: FlaskClient, people: People) -> str:
    answer = api(client, people, "post", "/journeys", "coordinator", json={"patient_ref": "MRN-TZ-1", "occurred_at": "2026-01-05T14:00:00Z"})
    assert answer.status_code == 201, answer.get_json()
    return str(answer.get_json()["id"])


# -- the API ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"type": "NoteAdded", "data": {"text": "x"}, "occurred_at": "2026-11-30T09:00:00"}, ("occurred_at",)),
        ({"type": "InfusionScheduled", "data": {"phase": "induction", "scheduled_for": "2026-12-03T10:00"}},
         ("data", "scheduled_for")),
    ],
)
def test_the_api_refuses_a_body_time_without_offset_with_a_field_message(ny: Any, body: dict, where: tuple) -> None:
    client, people = ny
    journey = open_journey(client, people)
    answer = api(client, people, "post", f"/journeys/{journey}/events", json=body)
    assert answer.status_code == 422
    messages: Any = answer.get_json()["errors"]
    for key in where:
        messages = messages[key]
    assert OFFSET_MESSAGE in messages[0]


def test_opening_a_journey_without_an_offset_is_refused(ny: Any) -> None:
    client, people = ny
    answer = api(client, people, "post", "/journeys", "coordinator",
                 json={"patient_ref": "MRN-TZ-2", "occurred_at": "2026-11-30T09:00"})
    assert answer.status_code == 422
    assert OFFSET_MESSAGE in answer.get_json()["errors"]["occurred_at"][0]


def test_a_query_moment_without_offset_is_refused_and_with_one_is_taken(ny: Any) -> None:
    client, people = ny
    journey = open_journey(client, people)
    naive = api(client, people, "get", f"/journeys/{journey}", "auditor", query_string={"as_of": "2026-12-01T10:00:00"})
    assert naive.status_code == 422
    assert OFFSET_MESSAGE in str(naive.get_json()["errors"])
    aware = api(client, people, "get", f"/journeys/{journey}", "auditor", query_string={"as_of": "2026-12-01T10:00:00-05:00"})
    assert aware.status_code == 200, aware.get_json()


def test_the_api_gives_every_time_with_an_offset(ny: Any) -> None:
    client, people = ny
    journey = open_journey(client, people)
    sent = {"type": "NoteAdded", "data": {"text": "Called."}, "occurred_at": "2026-11-30T09:00:00-05:00"}
    assert api(client, people, "post", f"/journeys/{journey}/events", json=sent).status_code == 201
    events = api(client, people, "get", f"/journeys/{journey}/events", "auditor").get_json()
    note = events[-1]
    assert note["occurred_at"] == "2026-11-30T14:00:00+00:00"
    for row in events:
        for key in ("occurred_at", "recorded_at"):
            assert datetime.fromisoformat(row[key]).utcoffset() is not None
    state = api(client, people, "get", f"/journeys/{journey}", "auditor").get_json()
    due = [s["due_at"] for s in state["steps"].values() if s.get("due_at")]
    assert due and all(datetime.fromisoformat(d).utcoffset() is not None for d in due)


# -- pages and forms in New York ------------------------------------------------------------------


def record_note(client: FlaskClient, people: People, journey: str, local: str) -> Any:
    people.login(client, "clinician")
    version = api(client, people, "get", f"/journeys/{journey}", "auditor").get_json()["version"]
    return client.post(
        f"/journeys/{journey}/events/new",
        data={"type": "NoteAdded", "text": "At the desk.", "occurred_at": local, "expected_version": version,
              "nonce": local, "csrf_token": csrf(client)},
    )


def occurred(client: FlaskClient, people: People, journey: str) -> str:
    return str(api(client, people, "get", f"/journeys/{journey}/events", "auditor").get_json()[-1]["occurred_at"])


@pytest.mark.parametrize(
    ("local", "stored"),
    [
        ("2026-03-02T15:30", "2026-03-02T20:30:00+00:00"),  # EST, UTC-5
        ("2026-03-09T15:30", "2026-03-09T19:30:00+00:00"),  # the day after the March change: EDT, UTC-4
        ("2026-03-08T03:30", "2026-03-08T07:30:00+00:00"),  # just after the gap
        ("2026-11-01T01:30", "2026-11-01T05:30:00+00:00"),  # the overlap: its first (EDT) occurrence
        ("2026-11-01T02:30", "2026-11-01T07:30:00+00:00"),  # after the change: EST
    ],
)
def test_a_form_time_is_read_on_the_clinics_clock(ny: Any, local: str, stored: str) -> None:
    client, people = ny
    journey = open_journey(client, people)
    answer = record_note(client, people, journey, local)
    assert answer.status_code == 302, answer.data
    assert occurred(client, people, journey) == stored


def test_a_form_time_in_the_spring_gap_is_refused_beside_its_field(ny: Any) -> None:
    client, people = ny
    journey = open_journey(client, people)
    answer = record_note(client, people, journey, "2026-03-08T02:30")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "2026-03-08 02:30 does not exist in America/New_York" in page
    assert 'id="f-occurred_at-error"' in page
    assert len(api(client, people, "get", f"/journeys/{journey}/events", "auditor").get_json()) == 1


def test_the_timeline_shows_clinic_time_with_the_zones_abbreviation(ny: Any) -> None:
    client, people = ny
    journey = open_journey(client, people)
    for local in ("2026-03-02T15:30", "2026-07-09T15:30"):
        assert record_note(client, people, journey, local).status_code == 302
    page = client.get(f"/journeys/{UUID(journey)}").get_data(as_text=True)
    assert "2026-03-02 15:30 EST" in page
    assert "2026-07-09 15:30 EDT" in page
    assert "America/New_York" in page  # the footer names the zone


def test_the_auditors_as_of_is_clinic_time_and_a_gap_is_a_400_with_a_sentence(ny: Any) -> None:
    client, people = ny
    journey = open_journey(client, people)
    people.login(client, "auditor")
    shown = client.get(f"/audit/journeys/{journey}", query_string={"as_of": "2026-12-01T10:00"})
    assert shown.status_code == 200
    assert "2026-12-01 10:00 EST" in shown.get_data(as_text=True)
    gap = client.get(f"/audit/journeys/{journey}", query_string={"as_of": "2026-03-08T02:15"})
    assert gap.status_code == 400
    assert "does not exist in America/New_York" in gap.get_data(as_text=True)


def test_due_today_is_the_clinics_local_day_on_the_worklists(ny: tuple[FlaskClient, People]) -> None:
    """At 10:00 in New York (15:00 UTC), a consultation due at 22:00 local is due today, one due at
    01:00 local tomorrow is not, although both fall within 24 hours of now."""
    client, people = ny
    tonight = api(client, people, "post", "/journeys", "coordinator", json={"patient_ref": "MRN-TZ-EVE", "occurred_at": "2026-11-25T03:00:00Z"})
    after_midnight = api(client, people, "post", "/journeys", "coordinator", json={"patient_ref": "MRN-TZ-NIGHT", "occurred_at": "2026-11-25T06:00:00Z"})
    assert tonight.status_code == after_midnight.status_code == 201
    answer = api(client, people, "get", "/worklists?name=due_today")
    assert answer.status_code == 200, answer.get_json()
    ids = {item["id"] for item in answer.get_json()["worklists"]["due_today"]["items"]}
    assert tonight.get_json()["id"] in ids
    assert after_midnight.get_json()["id"] not in ids


def test_why_a_journey_is_listed_gives_its_time_on_the_clinics_clock(ny: tuple[FlaskClient, People]) -> None:
    """Opened 2026-11-20 14:00 UTC, the consultation was due seven days later: 09:00 in New York."""
    client, people = ny
    opened = api(client, people, "post", "/journeys", "coordinator", json={"patient_ref": "MRN-TZ-LATE", "occurred_at": "2026-11-20T14:00:00Z"})
    assert opened.status_code == 201
    answer = api(client, people, "get", "/worklists?name=overdue", "coordinator")
    notes = {item["id"]: item["note"] for item in answer.get_json()["worklists"]["overdue"]["items"]}
    assert notes[opened.get_json()["id"]] == "consultation overdue since 2026-11-27 09:00 EST"
    people.login(client, "coordinator")
    page = client.get("/dashboard?list=overdue").get_data(as_text=True)
    assert "consultation overdue since 2026-11-27 09:00 EST" in page


def test_the_engines_sentences_show_their_instants_on_the_clinics_clock(ny: tuple[FlaskClient, People]) -> None:
    """The domain writes an instant into a flag or a refusal as ``... UTC``; the timeline and the
    auditor's page show it on the clinic's clock. Opened 2026-01-05 14:00 UTC, the consultation was
    due seven days later: 09:00 EST."""
    client, people = ny
    journey = open_journey(client, people)
    people.login(client, "clinician")
    timeline = client.get(f"/journeys/{UUID(journey)}").get_data(as_text=True)
    assert "Was due 2026-01-12 09:00 EST." in timeline
    assert "14:00 UTC" not in timeline
    people.login(client, "auditor")
    audit = client.get(f"/audit/journeys/{journey}").get_data(as_text=True)
    assert "Was due 2026-01-12 09:00 EST." in audit and "14:00 UTC" not in audit
    api_view = api(client, people, "get", f"/journeys/{journey}", "auditor").get_json()
    flags = [f["reason"] for s in api_view["steps"].values() for f in s["flags"]]
    assert "Was due 2026-01-12 14:00 UTC." in flags  # the API says UTC, and says so


def test_local_words_turns_each_utc_instant_in_a_sentence_across_the_clock_changes(ny_app: Flask) -> None:
    with ny_app.app_context():
        said = local_words("Given 2026-03-02 20:30 UTC, discharged 2026-07-09 19:30 UTC; noted 2026-07-09.")
        assert said == "Given 2026-03-02 15:30 EST, discharged 2026-07-09 15:30 EDT; noted 2026-07-09."
        assert local_words("No instant here.") == "No instant here."
        assert local_words(None) == ""


def test_a_refusal_on_the_form_gives_its_instant_on_the_clinics_clock(ny_app: Flask) -> None:
    """A discharge dated before the infusion it discharges ended is refused with the infusion's end,
    which the domain writes in UTC (19:00) and the form shows in New York (14:00 EST)."""
    plan = careplan(ny_app)
    journey = ready_for_induction(plan, "MRN-TZ-DISCHARGE")
    ended = datetime(2026, 11, 30, 19, 0, tzinfo=timezone.utc)
    plan.record(journey, "VitalsRecorded", VALID_DATA["VitalsRecorded"], actor=CLINICIAN, occurred_at=ended - timedelta(minutes=90))
    plan.record(journey, "InfusionCompleted", VALID_DATA["InfusionCompleted"], actor=CLINICIAN, occurred_at=ended)
    client = signed_in(ny_app, People(ny_app), "clinician")
    form = open_form(client, journey, "DischargeAssessed")
    answer = post_event(
        client, journey, form, occurred_at="2026-11-30 13:30", phase="induction", observation_min="40",
        alert_and_oriented="true", escort_present="true",
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422, page
    assert "before the infusion it discharges ended (2026-11-30 14:00 EST)" in page
    assert "UTC" not in page.split("<footer")[0]
