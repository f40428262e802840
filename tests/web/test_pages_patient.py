"""The patient banner on every journey page, and the page that records who the patient is (DESIGN 7.3)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask

from careplan.domain.values import Actor
from careplan.patients import Patients
from tests.browser.scenes import CLINICIAN, ready_for_induction
from tests.web.conftest import People
from tests.web.pages import careplan, field_block, open_form, post_event, signed_in, token

DETAILS = {"name": "Wilhelmina Quarrington", "birth_date": "1981-04-30", "allergies": ["Penicillin", "Latex"]}


def test_every_journey_page_shows_the_banner_with_two_identifiers(app: Flask, people: People) -> None:
    plan = careplan(app)
    journey = ready_for_induction(plan, "MRN-BAN-1")
    with app.app_context():
        Patients(plan).record(journey, DETAILS, actor=CLINICIAN)
    client = signed_in(app, people, "clinician")
    note = plan.record(journey, "NoteAdded", {"text": "Arrived early."}, actor=CLINICIAN)
    for path in (
        f"/journeys/{journey}",
        f"/journeys/{journey}/events/new",
        f"/journeys/{journey}/events/new?type=VitalsRecorded",
        f"/journeys/{journey}/events/{note}/entered-in-error",
        f"/journeys/{journey}/patient",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        text = page.get_data(as_text=True)
        assert 'aria-label="Patient"' in text, path
        assert "Wilhelmina Quarrington" in text and "30 Apr 1981" in text and "(age 44)" in text, path
        assert "Penicillin, Latex" in text, path


def test_a_journey_without_details_says_to_record_them(app: Flask, people: People) -> None:
    journey = careplan(app).open_journey("MRN-BAN-2", actor=Actor("c", "coordinator"))
    page = signed_in(app, people, "coordinator").get(f"/journeys/{journey}").get_data(as_text=True)
    assert "Name and date of birth are not recorded" in page
    assert "Record the patient's details" in page


def test_a_coordinator_records_the_details_through_the_form(app: Flask, people: People) -> None:
    journey = careplan(app).open_journey("MRN-BAN-3", actor=Actor("c", "coordinator"))
    client = signed_in(app, people, "coordinator")
    form = {
        "csrf_token": token(client),
        "name": "Ada  Byron ",
        "birth_date": "1990-12-10",
        "allergies": "Penicillin\n\n latex \n",
        "phone": "",
        "email": "",
    }
    sent = client.post(f"/journeys/{journey}/patient", data=form)
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/journeys/{journey}")
    with app.app_context():
        details = Patients(careplan(app)).details(journey)
    assert details.name == "Ada Byron" and details.allergies == ("Penicillin", "latex") and details.phone is None


def test_a_bad_date_of_birth_shows_the_form_again_with_what_was_typed(app: Flask, people: People) -> None:
    journey = careplan(app).open_journey("MRN-BAN-4", actor=Actor("c", "coordinator"))
    client = signed_in(app, people, "clinician")
    form = {"csrf_token": token(client), "name": "Ada Byron", "birth_date": "2090-01-01", "allergies": "", "phone": "", "email": ""}
    sent = client.post(f"/journeys/{journey}/patient", data=form)
    assert sent.status_code == 422
    text = sent.get_data(as_text=True)
    assert 'value="Ada Byron"' in text and "A date of birth lies between" in text and 'aria-invalid="true"' in text
    with app.app_context():
        assert Patients(careplan(app)).details(journey).name is None


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_readers_see_the_details_but_may_not_change_them(app: Flask, people: People, role: str) -> None:
    journey = careplan(app).open_journey("MRN-BAN-5", actor=Actor("c", "coordinator"))
    client = signed_in(app, people, role)
    page = client.get(f"/journeys/{journey}/patient").get_data(as_text=True)
    assert "Only clinicians and coordinators record" in page and "edit-patient" not in page
    form = {"csrf_token": token(client), "name": "Mallory", "birth_date": "", "allergies": "", "phone": "", "email": ""}
    assert client.post(f"/journeys/{journey}/patient", data=form).status_code == 403
    with app.app_context():
        assert Patients(careplan(app)).details(journey).name is None


def test_the_session_record_gives_readings_dose_discharge_and_who(app: Flask, people: People) -> None:
    plan = careplan(app)
    journey = ready_for_induction(plan, "MRN-SR-1")
    now = plan.clock()
    pre = {"phase": "pre", "systolic": 122, "diastolic": 78, "heart_rate": 70}
    plan.record(journey, "VitalsRecorded", pre, actor=CLINICIAN, occurred_at=now - timedelta(minutes=90))
    done = {"phase": "induction", "dose_mg_per_kg": 0.5, "weight_kg": 70, "duration_min": 40, "escort_confirmed": True}
    given = plan.record(journey, "InfusionCompleted", done, actor=CLINICIAN, occurred_at=now - timedelta(minutes=40))
    post = {"phase": "post", "systolic": 128, "diastolic": 80, "heart_rate": 74, "spo2": 98}
    plan.record(journey, "VitalsRecorded", post, actor=CLINICIAN, occurred_at=now - timedelta(minutes=15))
    during = {"phase": "during", "systolic": 150, "diastolic": 85, "heart_rate": 90}
    plan.record(journey, "VitalsRecorded", during, actor=CLINICIAN, occurred_at=now - timedelta(minutes=60))  # late
    discharge = {"phase": "induction", "observation_min": 40, "alert_and_oriented": True, "escort_present": True}
    plan.record(journey, "DischargeAssessed", discharge, actor=CLINICIAN, occurred_at=now)
    client = signed_in(app, people, "auditor")

    timeline = client.get(f"/journeys/{journey}").get_data(as_text=True)
    assert f"/journeys/{journey}/administrations/{given}" in timeline
    page = client.get(f"/journeys/{journey}/administrations/{given}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "0.5 mg/kg" in text and "70 kg" in text and "<strong>35 mg</strong>" in text
    assert "<td>122/78</td>" in text and "<td>150/85</td>" in text and "<td>128/80</td>" in text
    assert text.index("<td>pre</td>") < text.index("<td>during</td>") < text.index("<td>post</td>")  # clinical order
    assert "40 min after the end" in text  # measured from the end, whatever was typed
    assert CLINICIAN.id in text
    assert "data-print" in text and "onclick" not in text
    assert client.get(f"/journeys/{journey}/administrations/1").status_code == 404


def test_the_day_view_print_button_needs_no_inline_handler(app: Flask, people: People) -> None:
    page = signed_in(app, people, "coordinator").get("/schedule").get_data(as_text=True)
    assert "data-print" in page and "onclick" not in page


def test_a_coordinator_cancels_a_booking_by_picking_it_not_by_typing_a_version(app: Flask, people: People) -> None:
    plan = careplan(app)
    journey = ready_for_induction(plan, "MRN-CANCEL-1")
    now = plan.clock()
    coordinator = Actor("c", "coordinator")
    first = plan.record(
        journey, "InfusionScheduled",
        {"phase": "induction", "scheduled_for": (now + timedelta(days=1)).isoformat(), "chair": 2}, actor=coordinator,
    )
    second = plan.record(
        journey, "InfusionScheduled",
        {"phase": "induction", "scheduled_for": (now + timedelta(days=3)).isoformat(), "chair": 1}, actor=coordinator,
    )
    client = signed_in(app, people, "coordinator")
    page = client.get(f"/journeys/{journey}/events/new?type=InfusionCancelled").get_data(as_text=True)
    block = field_block(page, "scheduled_version")
    assert "<select" in block and "Booking to cancel" in block
    assert f'<option value="{first}">Induction, Tue 2026-03-03 09:00 UTC, chair 2</option>' in block
    assert f'<option value="{second}">Induction, Thu 2026-03-05 09:00 UTC, chair 1</option>' in block
    sent = post_event(
        client, journey, open_form(client, journey, "InfusionCancelled"),
        phase="induction", scheduled_version=str(second), reason="Patient rang to move it.",
    )
    assert sent.status_code == 302
    booked = [a for a in plan.get(journey).chart.appointments if a.state == "scheduled"]
    assert [a.version for a in booked] == [first]


def test_entered_in_error_is_offered_only_on_events_the_reader_may_mark(app: Flask, people: People) -> None:
    plan = careplan(app)
    journey = ready_for_induction(plan, "MRN-MARK-1")
    note = plan.record(journey, "NoteAdded", {"text": "Coordinator's note."}, actor=Actor("c", "coordinator"))
    page = signed_in(app, people, "coordinator").get(f"/journeys/{journey}").get_data(as_text=True)
    offered = set(re.findall(r"/events/(\d+)/entered-in-error", page))
    assert offered == {str(note)}  # the coordinator's own kind of event only, not the clinicians' screening
    clinician = signed_in(app, people, "clinician").get(f"/journeys/{journey}").get_data(as_text=True)
    assert len(set(re.findall(r"/events/(\d+)/entered-in-error", clinician))) >= 5


def test_the_infusion_form_starts_from_the_last_infusion_with_the_protocols_range(app: Flask, people: People) -> None:
    plan = careplan(app)
    journey = ready_for_induction(plan, "MRN-FORM-1")
    client = signed_in(app, people, "clinician")
    first = client.get(f"/journeys/{journey}/events/new?type=InfusionCompleted").get_data(as_text=True)
    dose = field_block(first, "dose_mg_per_kg")
    assert "The protocol's range: 0.5 to 0.75 mg/kg" in dose and 'min="0.5"' in dose and 'max="0.75"' in dose
    assert 'name="weight_kg" value=""' in first  # nothing to start from before the first infusion
    assert "At least 40 min" in field_block(first, "duration_min")

    now = plan.clock()
    plan.record(journey, "VitalsRecorded", {"phase": "pre", "systolic": 120, "diastolic": 80, "heart_rate": 70}, actor=CLINICIAN, occurred_at=now - timedelta(minutes=60))
    done = {"phase": "induction", "dose_mg_per_kg": 0.6, "weight_kg": 82.5, "duration_min": 40, "escort_confirmed": True}
    plan.record(journey, "InfusionCompleted", done, actor=CLINICIAN, occurred_at=now - timedelta(minutes=10))
    second = client.get(f"/journeys/{journey}/events/new?type=InfusionCompleted").get_data(as_text=True)
    assert 'name="weight_kg" value="82.5"' in second and 'name="dose_mg_per_kg" value="0.6"' in second
    assert '<output id="total-mg" for="f-dose_mg_per_kg f-weight_kg" data-total-mg aria-live="polite">49.5</output> mg' in second
    vitals = client.get(f"/journeys/{journey}/events/new?type=VitalsRecorded").get_data(as_text=True)
    assert "Systolic (mmHg)" in vitals and "Diastolic (mmHg)" in vitals and "Heart rate (bpm)" in vitals and "SpO₂ (%)" in vitals
