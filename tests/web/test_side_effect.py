"""A side effect reported (``SideEffectReported``): the event added as one class in its family module
(``careplan.domain.families.aftercare``) and one line in the view that shows it (the timeline).

Everything else follows from the class: the API takes it and answers bad data with field messages, the
OpenAPI document and the event-types list describe it, the form offers it to clinicians under
"Infusions", a coordinator is refused, and the timeline shows it in its infusion's step.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from careplan.domain.values import Actor
from tests.browser.scenes import CLINICIAN, ready_for_induction
from tests.web.conftest import People
from tests.web.pages import careplan, open_form, post_event, signed_in
from tests.web.test_api_contract import Api, error_of

EFFECT = {"effect": "dissociation", "severity": "moderate", "note": "Eased within 20 minutes."}


def test_a_clinician_reports_a_side_effect_and_the_timeline_shows_it_in_the_infusions_step(
    app: Flask, people: People
) -> None:
    plan = careplan(app)
    journey = ready_for_induction(plan, "MRN-SE-1")
    now = plan.clock()
    plan.record(
        journey, "VitalsRecorded", {"phase": "pre", "systolic": 124, "diastolic": 80, "heart_rate": 72},
        actor=CLINICIAN, occurred_at=now - timedelta(minutes=45),
    )
    done = {"phase": "induction", "dose_mg_per_kg": 0.5, "weight_kg": 70, "duration_min": 40, "escort_confirmed": True}
    plan.record(journey, "InfusionCompleted", done, actor=CLINICIAN)
    plan.record(journey, "SideEffectReported", EFFECT, actor=CLINICIAN)
    page = signed_in(app, people, "clinician").get(f"/journeys/{journey}").get_data(as_text=True)

    induction = page[page.index('id="g-induction"') :]
    assert "Side effect: dissociation, moderate. Eased within 20 minutes." in induction


def test_the_form_offers_it_to_clinicians_and_records_it(app: Flask, people: People) -> None:
    plan = careplan(app)
    journey = ready_for_induction(plan, "MRN-SE-2")
    client = signed_in(app, people, "clinician")
    picker = client.get(f"/journeys/{journey}/events/new").get_data(as_text=True)
    infusions = picker[picker.index("Infusions") :]
    assert "Side effect" in infusions
    form = open_form(client, journey, "SideEffectReported")
    response = post_event(client, journey, form, effect="nausea", severity="mild", note="")
    assert response.status_code == 302
    assert plan.history(journey)[-1].type == "SideEffectReported"
    assert plan.history(journey)[-1].data == {"effect": "nausea", "severity": "mild"}


def test_the_api_takes_it_from_clinicians_only_and_checks_its_fields(client: FlaskClient, people: People) -> None:
    api = Api(client, people)
    journey_id = api.open()
    api.record(journey_id, "SideEffectReported", EFFECT)

    bad = api.post(f"/journeys/{journey_id}/events", {"type": "SideEffectReported", "data": {**EFFECT, "severity": "awful"}})
    assert error_of(bad, 422)["errors"] == {"data": {"severity": ["Must be one of: mild, moderate, severe."]}}

    as_coordinator = client.post(
        f"/api/v1/journeys/{journey_id}/events",
        json={"type": "SideEffectReported", "data": EFFECT},
        headers=people.headers("coordinator"),
    )
    assert as_coordinator.status_code == 403


def test_the_openapi_document_and_the_event_types_describe_it(client: FlaskClient, people: People) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    props = doc["components"]["schemas"]["SideEffectReportedData"]["properties"]
    assert props["severity"]["enum"] == ["mild", "moderate", "severe"]
    assert "nausea" in props["effect"]["enum"] and props["note"]["type"] == "string"
    types = Api(client, people).get("/event-types").get_json()
    listed = next(t for t in types if t["type"] == "SideEffectReported")
    assert listed["reason_required"] is False and listed["recordable_by"] == ["clinician"]


def test_a_clinician_may_mark_a_side_effect_entered_in_error(app: Flask, people: People) -> None:
    plan = careplan(app)
    journey = plan.open_journey("MRN-SE-3", actor=Actor("c", "coordinator"))
    plan.record(journey, "SideEffectReported", EFFECT, actor=CLINICIAN)
    version = plan.get(journey).version
    plan.record(journey, "EventEnteredInError", {"target_version": version}, actor=CLINICIAN, reason="Other patient.")
    assert plan.history(journey)[-1].data == {"target_version": version}
