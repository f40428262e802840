"""The patient banner on every journey page, and the page that records who the patient is (DESIGN 7.3)."""

from __future__ import annotations

import pytest
from flask import Flask

from careplan.domain.values import Actor
from careplan.patients import Patients
from tests.browser.scenes import CLINICIAN, ready_for_induction
from tests.web.conftest import People
from tests.web.pages import careplan, signed_in, token

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
