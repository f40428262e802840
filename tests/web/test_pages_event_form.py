"""The clinician's event form: fields read off the schema, errors beside their fields with the input
kept, protocol refusals explained, a double submit recorded once, and someone else's change reported
instead of overwritten."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

import pytest
from flask import Flask

from careplan.domain.values import Actor
from tests.browser.scenes import ready_for_induction
from tests.web.conftest import People
from tests.web.pages import careplan, field_block, open_form, post_event, signed_in
from web.clinic import local_input

OTHER = Actor("dr-other", "clinician")


@pytest.fixture
def journey(app: Flask) -> UUID:
    return ready_for_induction(careplan(app), "MRN-FORM-1")


def test_the_form_takes_its_fields_from_the_event_schema(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "clinician")
    vitals = client.get(f"/journeys/{journey}/events/new?type=VitalsRecorded").get_data(as_text=True)
    assert re.search(r'name="systolic"[^>]*min="40"[^>]*max="300"', vitals.replace("\n", " "))
    assert '<option value="pre">Pre</option>' in vitals and 'name="spo2"' in vitals
    infusion = client.get(f"/journeys/{journey}/events/new?type=InfusionCompleted").get_data(as_text=True)
    assert infusion.count('type="checkbox" name="side_effects"') == 10
    assert 'name="escort_confirmed" value="yes"' in infusion
    phq9 = client.get(f"/journeys/{journey}/events/new?type=AssessmentRecorded").get_data(as_text=True)
    assert len(re.findall(r'name="items-PHQ9-\d"', phq9)) == 9
    assert phq9.count("3 – Nearly every day") == 9 + 7  # PHQ-9 and GAD-7 share the answers
    meds = client.get(f"/journeys/{journey}/events/new?type=MedicationReviewed").get_data(as_text=True)
    assert 'name="medications-0-name"' in meds and 'name="medications-2-drug_class"' in meds


def test_a_field_error_is_shown_beside_its_field_and_the_input_is_kept(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "clinician")
    form = open_form(client, journey, "VitalsRecorded")
    response = post_event(client, journey, form, phase="pre", systolic="abc", diastolic="95", heart_rate="400")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Not a valid integer." in field_block(page, "systolic") and 'value="abc"' in field_block(page, "systolic")
    assert "less than or equal to 250" in field_block(page, "heart_rate")
    assert 'value="95"' in field_block(page, "diastolic") and "f-diastolic-error" not in page
    assert '<option value="pre" selected>' in page
    assert careplan(app).get(journey).version == 5


def test_a_missing_reason_is_reported_beside_the_reason(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "clinician")
    response = post_event(client, journey, open_form(client, journey, "JourneyPaused"), reason="  ")
    assert response.status_code == 422
    assert "A reason is required for JourneyPaused." in field_block(response.get_data(as_text=True), "reason")


def test_a_protocol_refusal_says_why_and_keeps_the_input(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "clinician")
    with app.app_context():  # the infusion recorded now started 40 minutes ago: its vitals then
        started = local_input(careplan(app).clock() - timedelta(minutes=40))
    post_event(
        client, journey, open_form(client, journey, "VitalsRecorded"),
        phase="pre", systolic="150", diastolic="92", heart_rate="80", occurred_at=started,
    )
    form = open_form(client, journey, "InfusionCompleted")
    response = post_event(
        client, journey, form, phase="induction", dose_mg_per_kg="0.5", weight_kg="70", duration_min="40", escort_confirmed="yes"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Pre-infusion blood pressure 150/92 is at or above 140/90" in page and "blood_pressure_hold" in page
    assert 'value="70"' in field_block(page, "weight_kg")
    assert careplan(app).history(journey)[-1].type == "VitalsRecorded"


def test_the_same_form_sent_twice_records_once(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "clinician")
    form = open_form(client, journey, "NoteAdded")
    first = post_event(client, journey, form, text="Called the patient.")
    second = post_event(client, journey, form, text="Called the patient.")
    assert first.status_code == second.status_code == 302
    assert "recorded once" in client.get(second.headers["Location"]).get_data(as_text=True)
    notes = [f for f in careplan(app).history(journey) if f.type == "NoteAdded"]
    assert len(notes) == 1


def test_a_double_submit_that_races_past_the_session_still_records_once(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "clinician")
    form = open_form(client, journey, "NoteAdded")
    with client.session_transaction() as session:
        before = dict(session)
    assert post_event(client, journey, form, text="Escort arranged.").status_code == 302
    with client.session_transaction() as session:  # the second request carried the older cookie
        session.clear()
        session.update(before)
    again = post_event(client, journey, form, text="Escort arranged.")
    assert again.status_code == 302
    assert "sent twice: it was recorded once" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert [f.data["text"] for f in careplan(app).history(journey) if f.type == "NoteAdded"] == ["Escort arranged."]


def test_someone_elses_change_is_reported_and_not_overwritten(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "clinician")
    form = open_form(client, journey, "VitalsRecorded")
    careplan(app).record(journey, "NoteAdded", {"text": "Patient running late."}, actor=OTHER)
    response = post_event(client, journey, form, phase="pre", systolic="128", diastolic="82", heart_rate="70")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this journey" in page and "Note added" in page and "dr-other" in page
    assert 'value="128"' in field_block(page, "systolic")
    assert 'name="expected_version" value="6"' in page
    assert careplan(app).get(journey).version == 6
    resent = post_event(client, journey, {**form, "expected_version": "6"}, phase="pre", systolic="128", diastolic="82", heart_rate="70")
    assert resent.status_code == 302 and careplan(app).history(journey)[-1].type == "VitalsRecorded"


def test_medication_rows_and_questionnaire_items_become_lists(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "clinician")
    rows = {
        "medications-0-name": "sertraline", "medications-0-dose": "100 mg",
        "medications-2-name": "diazepam", "medications-2-drug_class": "benzodiazepine",
    }
    response = post_event(
        client, journey, open_form(client, journey, "MedicationReviewed"), benzodiazepine_diazepam_eq_mg="10", taper_required="no", **rows
    )
    assert response.status_code == 302
    review = careplan(app).history(journey)[-1]
    assert review.data["medications"] == [
        {"name": "sertraline", "dose": "100 mg"},
        {"name": "diazepam", "drug_class": "benzodiazepine"},
    ]
    items = {f"items-PHQ9-{n}": str(score) for n, score in enumerate([1, 1, 2, 1, 0, 1, 1, 0, 0])}
    response = post_event(client, journey, open_form(client, journey, "AssessmentRecorded"), instrument="PHQ9", context="other", **items)
    assert response.status_code == 302
    assessment = careplan(app).history(journey)[-1].data
    assert assessment["total"] == 7 and assessment["items"] == [1, 1, 2, 1, 0, 1, 1, 0, 0]
    partial = post_event(client, journey, open_form(client, journey, "AssessmentRecorded"), instrument="PHQ9", **{"items-PHQ9-0": "1"})
    assert partial.status_code == 422 and "Answer every item or none" in partial.get_data(as_text=True)


def test_a_coordinator_may_schedule_but_not_record_clinical_findings(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "coordinator")
    picker = client.get(f"/journeys/{journey}/events/new").get_data(as_text=True)
    assert "Schedule an infusion" in picker and "type=VitalsRecorded" not in picker
    form = open_form(client, journey, "InfusionScheduled")
    response = post_event(client, journey, form, phase="induction", scheduled_for="2026-03-04T09:30")
    assert response.status_code == 302
    scheduled = careplan(app).history(journey)[-1]
    assert scheduled.actor == Actor("coordinator", "coordinator") and scheduled.data["scheduled_for"].hour == 9
    refused = client.post(f"/journeys/{journey}/events/new", data={**form, "type": "VitalsRecorded"})
    assert refused.status_code == 403


def test_opening_a_journey_leads_to_a_url_without_the_patient_reference(app: Flask, people: People) -> None:
    client = signed_in(app, people, "coordinator")
    page = client.get("/journeys/new").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post("/journeys/new", data={"patient_ref": "MRN-NEW-9", "nonce": nonce, "csrf_token": csrf})
    assert response.status_code == 302 and "MRN-NEW-9" not in response.headers["Location"]
    again = client.post("/journeys/new", data={"patient_ref": "MRN-NEW-9", "nonce": nonce, "csrf_token": csrf})
    assert again.headers["Location"] == response.headers["Location"]
    bad = client.post("/journeys/new", data={"patient_ref": "Jane Doe", "nonce": "x", "csrf_token": csrf})
    assert bad.status_code == 422 and "never a name" in bad.get_data(as_text=True) and 'value="Jane Doe"' in bad.get_data(as_text=True)
