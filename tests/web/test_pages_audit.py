"""The auditor's view: a journey as of a version or a moment, the difference between two versions, the
full event log, and the history as JSON and CSV downloads."""

from __future__ import annotations

import csv
import io
import json
from uuid import UUID

import pytest
from flask import Flask

from careplan.domain.values import Actor
from tests.browser.scenes import CLINICIAN, COORDINATOR, a_few_versions
from tests.web.conftest import People
from tests.web.pages import careplan, signed_in


@pytest.fixture
def journey(app: Flask) -> UUID:
    plan = careplan(app)
    journey = a_few_versions(plan, "MRN-AUD-1")
    plan.clock.advance(hours=2)  # type: ignore[attr-defined]
    # The coordinator who wrote the note voids it (DESIGN 7.1: a coordinator voids only their own).
    plan.record(journey, "EventEnteredInError", {"target_version": 3}, actor=COORDINATOR, reason="Note was for another patient.")
    return journey


def test_a_past_version_shows_the_state_and_events_known_then(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "auditor")
    page = client.get(f"/audit/journeys/{journey}?version=2").get_data(as_text=True)
    assert "Version <strong>2</strong> of 5" in page and "past state" in page
    assert "Prefers morning appointments." not in page and "Consultation completed" in page
    latest = client.get(f"/audit/journeys/{journey}").get_data(as_text=True)
    assert "Hash chain intact: all 5 events verified" in latest
    assert "<del>Note added</del>" in latest and "Note was for another patient." in latest
    assert client.get(f"/audit/journeys/{journey}?version=9").status_code == 404


def test_as_of_a_moment_shows_what_was_recorded_by_then(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "auditor")
    before_correction = client.get(f"/audit/journeys/{journey}?as_of=2026-03-02T10:00").get_data(as_text=True)
    assert "As known at <strong>2026-03-02 10:00 UTC</strong>: the journey stood at version 4" in before_correction
    assert "<del>" not in before_correction
    too_early = client.get(f"/audit/journeys/{journey}?as_of=2026-01-01T00:00")
    assert too_early.status_code == 404 and "it was opened later" in too_early.get_data(as_text=True)
    assert client.get(f"/audit/journeys/{journey}?as_of=yesterday").status_code == 400


def test_the_difference_between_two_versions_names_what_changed(app: Flask, people: People, journey: UUID) -> None:
    page = signed_in(app, people, "auditor").get(f"/audit/journeys/{journey}/diff?from=1&to=2").get_data(as_text=True)
    assert '<th scope="row" rowspan=' in page and "Consultation" in page
    assert '<td class="old">ready</td><td class="new">completed</td>' in page
    assert "Events recorded after version 1, up to 2" in page and "Consultation completed" in page
    assert "Note added" not in page


def test_the_event_log_lists_every_event_with_actor_times_and_reason(app: Flask, people: People, journey: UUID) -> None:
    page = signed_in(app, people, "auditor").get(f"/audit/journeys/{journey}/log").get_data(as_text=True)
    assert page.count('<td class="num">') == 5
    assert "seed-clinician" in page and "Note was for another patient." in page and "2026-02-27 09:00" in page


def test_the_history_downloads_as_json_and_csv(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "auditor")
    response = client.get(f"/audit/journeys/{journey}/history.json")
    assert response.headers["Content-Disposition"] == f'attachment; filename="journey-{journey}-history.json"'
    document = json.loads(response.get_data(as_text=True))
    assert document["journey_id"] == str(journey) and document["exported_by"] == {"id": "auditor", "role": "auditor"}
    assert [e["version"] for e in document["events"]] == [1, 2, 3, 4, 5]
    assert document["events"][2]["entered_in_error"] is True and document["events"][3]["entered_in_error"] is False
    assert document["events"][1]["actor"] == CLINICIAN.as_dict() and len(document["events"][1]["hash"]) >= 32
    rows = list(csv.DictReader(io.StringIO(client.get(f"/audit/journeys/{journey}/history.csv").get_data(as_text=True))))
    assert [r["type"] for r in rows] == ["JourneyOpened", "ConsultationCompleted", "NoteAdded", "MedicationReviewed", "EventEnteredInError"]
    assert rows[4]["reason"] == "Note was for another patient." and rows[2]["entered_in_error"] == "yes"
    assert json.loads(rows[2]["data"]) == {"text": "Prefers morning appointments."}


def test_no_cell_of_the_history_csv_runs_as_a_formula(app: Flask, people: People, journey: UUID) -> None:
    """Any text a person chose (a reason, an account's name as the actor) is written inert, not only the reason."""
    plan = careplan(app)
    odd = Actor("@HYPERLINK(1)", "coordinator")  # a coordinator voids only their own note (DESIGN 7.1)
    plan.record(journey, "NoteAdded", {"text": "-see chart"}, actor=odd)
    plan.record(journey, "EventEnteredInError", {"target_version": 6}, actor=odd, reason="=1+1")
    rows = list(csv.DictReader(io.StringIO(signed_in(app, people, "auditor").get(f"/audit/journeys/{journey}/history.csv").get_data(as_text=True))))
    assert (rows[5]["actor_id"], rows[6]["actor_id"], rows[6]["reason"]) == ("'@HYPERLINK(1)", "'@HYPERLINK(1)", "'=1+1")
    assert rows[5]["data"].startswith("{")
