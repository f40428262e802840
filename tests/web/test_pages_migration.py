"""The clinician's migration page (DESIGN 7.6): a dry-run preview first, then the move; a change that
lowers a guard on care is moved only when ticked as confirmed; bad input keeps the form with field
messages (422); coordinators are not offered the page."""

from __future__ import annotations

from flask import Flask

from careplan.domain.values import Actor
from tests.examples import VALID_DATA
from tests.web.conftest import People
from tests.web.pages import careplan, signed_in, token

CLINICIAN = Actor("dr-page", "clinician")


def test_preview_then_move_and_the_timeline_tells_what_changed(app: Flask, people: People) -> None:
    plan = careplan(app)
    journey = plan.open_journey("MRN-MIG-1", actor=Actor("c", "coordinator"))
    plan.record(journey, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"], actor=CLINICIAN)
    client = signed_in(app, people, "clinician")
    timeline = client.get(f"/journeys/{journey}").get_data(as_text=True)
    assert f'href="/journeys/{journey}/migrations"' in timeline and "Protocol version 1…" in timeline
    form = client.get(f"/journeys/{journey}/migrations").get_data(as_text=True)
    assert '<option value="2" selected>Version 2</option>' in form
    body = {"csrf_token": token(client), "to_version": "2", "reason": "Clinic adopted version 2", "action": "preview"}
    preview = client.post(f"/journeys/{journey}/migrations", data=body)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "The consent step is added" in page and "Move to version 2" in page
    assert plan.get(journey).protocol_version == 1  # a preview records nothing
    moved = client.post(f"/journeys/{journey}/migrations", data={**body, "action": "migrate"})
    assert moved.status_code == 302 and plan.get(journey).protocol_version == 2
    timeline = client.get(f"/journeys/{journey}").get_data(as_text=True)
    assert "Moved from version 1 to 2. What changed: The consent step is added" in timeline


def test_a_move_that_needs_confirming_is_422_until_ticked(app: Flask, people: People) -> None:
    plan = careplan(app)
    journey = plan.open_journey("MRN-MIG-2", actor=Actor("c", "coordinator"), protocol_version=2)
    plan.record(journey, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"], actor=CLINICIAN)
    plan.record(journey, "ConsentRecorded", VALID_DATA["ConsentRecorded"], actor=CLINICIAN)
    client = signed_in(app, people, "clinician")
    body = {"csrf_token": token(client), "to_version": "1", "reason": "Back to version 1", "action": "migrate"}
    refused = client.post(f"/journeys/{journey}/migrations", data=body)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Needs confirming:</strong> The consent step leaves the plan" in page
    assert 'name="confirm" value="yes"' in page and plan.get(journey).protocol_version == 2
    assert client.post(f"/journeys/{journey}/migrations", data={**body, "confirm": "yes"}).status_code == 302
    assert plan.get(journey).protocol_version == 1


def test_bad_input_keeps_the_form_and_coordinators_may_not_migrate(app: Flask, people: People) -> None:
    plan = careplan(app)
    journey = plan.open_journey("MRN-MIG-3", actor=Actor("c", "coordinator"))
    client = signed_in(app, people, "clinician")
    bad = client.post(f"/journeys/{journey}/migrations", data={"csrf_token": token(client), "to_version": "7", "reason": " "})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Choose a version to move to." in page and "Say why the journey moves" in page
    coordinator = signed_in(app, people, "coordinator")
    assert coordinator.get(f"/journeys/{journey}/migrations").status_code == 403
    assert "Protocol version 1…" not in coordinator.get(f"/journeys/{journey}").get_data(as_text=True)
