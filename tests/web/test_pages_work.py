"""Actions where the work is: the alert's Acknowledge form, the infusion's next action, the stage-aware
picker, 'Entered in error' previewed before it is recorded, the auditor's diff by date, the PHQ-9 form,
the favicon."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

import pytest
from flask import Flask

from tests.browser.scenes import CLINICIAN, ready_for_induction
from tests.conftest import Clock
from tests.web.conftest import People
from tests.web.pages import careplan, hidden, signed_in, token

SELF_HARM = {"instrument": "PHQ9", "total": 12, "items": [1, 1, 2, 1, 2, 1, 1, 1, 2], "context": "infusion"}
PRE_VITALS = {"phase": "pre", "systolic": 122, "diastolic": 78, "heart_rate": 70}


@pytest.fixture
def journey(app: Flask) -> UUID:
    return ready_for_induction(careplan(app), "MRN-WORK-1")


def record(app: Flask, journey: UUID, event_type: str, data: dict) -> int:
    return careplan(app).record(journey, event_type, data, actor=CLINICIAN)


def test_an_open_alert_is_acknowledged_from_its_own_form_with_risk_and_plan(app: Flask, people: People, journey: UUID) -> None:
    record(app, journey, "AssessmentRecorded", SELF_HARM)
    alert = careplan(app).view(journey)[1].open_alerts[0]
    client = signed_in(app, people, "clinician")
    page = client.get(f"/journeys/{journey}").get_data(as_text=True)
    assert f'id="alert-{alert.version}"' in page and "Acknowledge" in page
    form = {"csrf_token": token(client), "type": "SafetyAlertAcknowledged", "alert_version": str(alert.version),
            "expected_version": hidden(page, "expected_version"), "nonce": f"n-{alert.version}"}
    missing = client.post(f"/journeys/{journey}/events/new", data=form)
    assert missing.status_code == 422
    assert "Missing data for required field." in missing.get_data(as_text=True)
    done = client.post(f"/journeys/{journey}/events/new", data={**form, "risk_assessment": "moderate", "plan": "Safety plan; call tomorrow."})
    assert done.status_code == 302, re.findall(r'field-error[^>]*>([^<]*)|alert-danger[^>]*>\s*<[^>]*>([^<]*)', done.get_data(as_text=True))
    fact = careplan(app).history(journey)[-1]
    assert fact.type == "SafetyAlertAcknowledged"
    assert fact.data == {"alert_version": alert.version, "risk_assessment": "moderate", "plan": "Safety plan; call tomorrow."}
    assert careplan(app).view(journey)[1].open_alerts == []


def test_the_timeline_offers_pre_vitals_then_complete_infusion(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "clinician")
    first = client.get(f"/journeys/{journey}").get_data(as_text=True)
    assert "Record pre-infusion vitals" in first and "Complete infusion" not in first
    assert "type=VitalsRecorded&amp;phase=pre" in first
    record(app, journey, "VitalsRecorded", PRE_VITALS)
    second = client.get(f"/journeys/{journey}").get_data(as_text=True)
    assert "type=InfusionCompleted&amp;phase=induction" in second


def test_a_blood_pressure_hold_offers_override_hold(app: Flask, people: People, journey: UUID) -> None:
    record(app, journey, "VitalsRecorded", {**PRE_VITALS, "systolic": 162, "diastolic": 96})
    page = signed_in(app, people, "clinician").get(f"/journeys/{journey}").get_data(as_text=True)
    assert "type=HoldOverridden&amp;hold=blood_pressure" in page and "Override hold" in page


def test_the_picker_offers_what_fits_by_plain_name_with_the_phase_preset(app: Flask, people: People) -> None:
    app_ = careplan(app)
    fresh = app_.open_journey("MRN-WORK-2", actor=CLINICIAN, occurred_at=app_.clock() - timedelta(days=1))
    client = signed_in(app, people, "clinician")
    opened = client.get(f"/journeys/{fresh}/events/new").get_data(as_text=True)
    fits = opened[opened.index("Fits where"):opened.index("Everything else")]
    assert "Consultation" in fits and "InfusionCompleted" not in fits
    ready = ready_for_induction(app_, "MRN-WORK-3")
    picker = client.get(f"/journeys/{ready}/events/new").get_data(as_text=True)
    fits = picker[picker.index("Fits where"):picker.index("Everything else")]
    assert "Record pre-infusion vitals" in fits and "Consultation<" not in fits
    assert "PHQ-9" in picker and "Assessment recorded" not in picker
    form = client.get(f"/journeys/{ready}/events/new?type=InfusionCompleted&phase=induction").get_data(as_text=True)
    assert '<option value="induction" selected>' in form
    assert "<h2 id=\"form-title\">Complete infusion</h2>" in form


def test_the_phq9_form_has_item_texts_a_running_total_and_no_required_total(app: Flask, people: People, journey: UUID) -> None:
    page = signed_in(app, people, "clinician").get(f"/journeys/{journey}/events/new?type=AssessmentRecorded&instrument=PHQ9").get_data(as_text=True)
    assert "Thoughts that you would be better off dead or of hurting yourself in some way" in page  # verbatim, as at home
    assert 'data-total-for="PHQ9"' in page
    total = page[page.index('for="f-total"'):page.index('id="f-total"')]
    assert 'class="req"' not in total


def test_entered_in_error_names_the_event_and_shows_the_state_without_it_before_anything_is_recorded(
    app: Flask, people: People, journey: UUID
) -> None:
    history = careplan(app).history(journey)
    consultation = next(f for f in history if f.type == "ConsultationCompleted")
    client = signed_in(app, people, "clinician")
    page = client.get(f"/journeys/{journey}/events/{consultation.version}/entered-in-error")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Mark “Consultation” (version" in text
    assert "What the state becomes" in text and "Consultation: status" in text
    assert len(careplan(app).history(journey)) == len(history)  # the preview recorded nothing
    confirm = client.post(f"/journeys/{journey}/events/new", data={
        "csrf_token": token(client), "type": "EventEnteredInError", "target_version": str(consultation.version),
        "expected_version": hidden(text, "expected_version"), "nonce": hidden(text, "nonce"), "reason": "Wrong patient chart.",
    })
    assert confirm.status_code == 302
    assert careplan(app).history(journey)[-1].type == "EventEnteredInError"
    again = client.get(f"/journeys/{journey}/events/{consultation.version}/entered-in-error")
    assert again.status_code == 409


def test_entered_in_error_of_an_unknown_version_is_a_404(app: Flask, people: People, journey: UUID) -> None:
    client = signed_in(app, people, "clinician")
    assert client.get(f"/journeys/{journey}/events/999/entered-in-error").status_code == 404
    assert client.get(f"/journeys/{journey}/events/1/entered-in-error").status_code == 404  # JourneyOpened


def test_the_auditor_compares_a_past_moment_with_now(app: Flask, people: People, journey: UUID, clock) -> None:  # type: ignore[no-untyped-def]
    moment = clock.now
    clock.advance(days=1)
    record(app, journey, "VitalsRecorded", PRE_VITALS)
    record(app, journey, "NoteAdded", {"text": "Escort confirmed."})
    client = signed_in(app, people, "auditor")
    page = client.get(f"/audit/journeys/{journey}/diff", query_string={"as_of": moment.strftime("%Y-%m-%dT%H:%M")})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"As known at {moment:%Y-%m-%d %H:%M} UTC" in text and "Now, " in text
    assert "Note added" in text  # recorded since that moment
    early = client.get(f"/audit/journeys/{journey}/diff", query_string={"as_of": "2020-01-01T00:00"})
    assert early.status_code == 404
    bad = client.get(f"/audit/journeys/{journey}/diff", query_string={"as_of": "yesterday"})
    assert bad.status_code == 400


def test_the_favicon_is_served_and_linked(app: Flask, people: People) -> None:
    client = app.test_client()
    assert client.get("/favicon.ico").status_code == 200
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)


def test_while_the_rules_refuse_the_next_infusion_the_page_names_why_and_does_not_offer_it(
    app: Flask, people: People, journey: UUID, clock: Clock
) -> None:
    """DESIGN 7.2: the buttons and "Due next" follow the rules' verdict, not a copy of their own."""
    from tests.examples import VALID_DATA

    record(app, journey, "VitalsRecorded", PRE_VITALS)
    clock.advance(minutes=45)
    record(app, journey, "InfusionCompleted", VALID_DATA["InfusionCompleted"])
    clock.advance(minutes=45)
    record(app, journey, "VitalsRecorded", {**PRE_VITALS, "phase": "post"})
    record(app, journey, "DischargeAssessed", VALID_DATA["DischargeAssessed"])
    clock.advance(hours=30)
    record(app, journey, "VitalsRecorded", PRE_VITALS)
    client = signed_in(app, people, "clinician")
    page = client.get(f"/journeys/{journey}").get_data(as_text=True)
    due = page[page.index('id="next-title"') :]
    assert "Infusions must start at least 48 h apart." in due.split("</li>")[0]
    assert "type=InfusionCompleted" not in page and "Complete infusion" not in page
    clock.advance(hours=20)  # the spacing lifts, but a re-screening finds a contraindication mid-series
    record(app, journey, "ContraindicationScreened", {"findings": ["cardiovascular_disease"]})
    record(app, journey, "VitalsRecorded", PRE_VITALS)
    client = signed_in(app, people, "clinician")  # a day on: the session timed out
    answer = client.get(f"/journeys/{journey}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page[-3000:]
    due = page[page.index('id="next-title"') :]
    assert "Contraindications not overridden: cardiovascular disease." in due.split("</li>")[0]
    assert "Give induction infusion 2 of 6" not in page and "type=InfusionCompleted" not in page
    state = careplan(app).view(journey)[1]
    assert state.next_actions[0].blocked_by == "contraindicated"


def test_every_refusal_of_a_submit_is_shown_at_once(app: Flask, people: People, journey: UUID) -> None:
    """No pre-infusion vitals and no escort: both are named on the first submit, the escort beside its
    field; nothing is recorded."""
    from tests.web.pages import open_form, post_event

    client = signed_in(app, people, "clinician")
    before = len(careplan(app).history(journey))
    form = open_form(client, journey, "InfusionCompleted")
    answer = post_event(
        client, journey, form, phase="induction", dose_mg_per_kg="0.5", weight_kg="70", duration_min="40",
        escort_confirmed="no",
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "data-rule=\"vitals_missing\"" in page, page[page.index("form-title"):][:3000]
    assert "Confirm an escort home before completing the infusion." in page
    assert "Confirm an escort home" in page[page.index("<legend>Escort confirmed") :]
    assert len(careplan(app).history(journey)) == before
