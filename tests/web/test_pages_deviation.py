"""The event form's "Deviation (reason)" field: shown after a refusal by a timing rule, it records the
event with the reason (DESIGN 6.3); a safety refusal offers no such field."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from flask import Flask

from careplan.domain.values import Actor
from tests.browser.scenes import ready_for_induction
from tests.conftest import Clock
from tests.examples import VALID_DATA
from tests.web.conftest import People
from tests.web.pages import careplan, field_block, open_form, post_event, signed_in

CLINICIAN = Actor("dr-ng", "clinician")
INFUSION = {
    "phase": "induction",
    "dose_mg_per_kg": "0.5",
    "weight_kg": "70",
    "duration_min": "40",
    "escort_confirmed": "yes",
}
VITALS = {"phase": "pre", "systolic": "120", "diastolic": "80", "heart_rate": "70"}


def started(app: Flask, clock: Clock) -> str:
    """The start of an infusion recorded now (40 minutes ago), as the form's clinic-time input: when
    its pre-infusion vitals were taken (DESIGN 7.1)."""
    from web.clinic import local_input

    with app.app_context():
        return local_input(clock() - timedelta(minutes=40))


def after_first_infusion(app: Flask, clock: Clock) -> UUID:
    plan = careplan(app)
    journey = ready_for_induction(plan, "MRN-DEV-1")
    plan.record(journey, "VitalsRecorded", VALID_DATA["VitalsRecorded"], actor=CLINICIAN, occurred_at=clock() - timedelta(minutes=40))
    plan.record(journey, "InfusionCompleted", VALID_DATA["InfusionCompleted"], actor=CLINICIAN)
    clock.advance(minutes=45)
    plan.record(journey, "VitalsRecorded", {**VALID_DATA["VitalsRecorded"], "phase": "post"}, actor=CLINICIAN)
    plan.record(journey, "DischargeAssessed", VALID_DATA["DischargeAssessed"], actor=CLINICIAN)
    clock.advance(hours=41)
    return journey


def test_a_timing_refusal_offers_the_deviation_field_and_it_records_the_event(
    app: Flask, people: People, clock: Clock
) -> None:
    journey = after_first_infusion(app, clock)
    client = signed_in(app, people, "clinician")
    post_event(client, journey, open_form(client, journey, "VitalsRecorded"), **VITALS, occurred_at=started(app, clock))
    form = open_form(client, journey, "InfusionCompleted")
    assert 'name="deviation"' not in client.get(f"/journeys/{journey}/events/new?type=InfusionCompleted").get_data(
        as_text=True
    )
    refused = post_event(client, journey, form, **INFUSION)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "spacing_too_short" in page
    assert "Deviation (reason)" in field_block(page, "deviation")
    accepted = post_event(client, journey, form, **INFUSION, deviation="Patient could only come Wednesday")
    assert accepted.status_code == 302, accepted.get_data(as_text=True)
    last = careplan(app).history(journey)[-1]
    assert (last.type, last.deviation, last.deviated) == (
        "InfusionCompleted",
        "Patient could only come Wednesday",
        ("spacing_too_short",),
    )
    timeline = client.get(accepted.headers["Location"]).get_data(as_text=True)
    assert "Deviation (spacing too short): Patient could only come Wednesday" in timeline
    assert "flag-deviation" in timeline


def test_a_safety_refusal_offers_no_deviation_field(app: Flask, people: People, clock: Clock) -> None:
    journey = after_first_infusion(app, clock)
    client = signed_in(app, people, "clinician")
    post_event(
        client,
        journey,
        open_form(client, journey, "VitalsRecorded"),
        **{**VITALS, "systolic": "150", "diastolic": "95"},
        occurred_at=started(app, clock),
    )
    refused = post_event(client, journey, open_form(client, journey, "InfusionCompleted"), **INFUSION)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "blood_pressure_hold" in page
    assert 'name="deviation"' not in page
