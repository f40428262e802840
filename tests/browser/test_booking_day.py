"""Issue 11 in a real browser: a coordinator in America/New_York books the next infusion from the
proposed slots and sees it on the dashboard and in the day view (screenshots in screenshots/)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import scenes
from tests.browser.conftest import Site, serve, shot, sign_in
from tests.examples import VALID_DATA

SATURDAY_10_EST = datetime(2026, 2, 28, 15, 0, tzinfo=UTC)
MONDAY_10_EST = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
INFUSION = {
    "phase": "induction",
    "dose_mg_per_kg": 0.5,
    "weight_kg": 70,
    "duration_min": 40,
    "escort_confirmed": True,
    "side_effects": [],
}
VITALS = {"phase": "pre", "systolic": 120, "diastolic": 80, "heart_rate": 70}


@pytest.fixture(scope="module")
def ny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from serve(tmp_path_factory.mktemp("ny-booking"), {"CAREPLAN_TIMEZONE": "America/New_York"})


def first_infusion_given(app: Any, ref: str) -> Any:
    """Worked up a week ago, first infusion on Saturday 10:00 EST (the next is 48 h later)."""
    now = app.clock()
    journey = app.open_journey(ref, actor=scenes.COORDINATOR, occurred_at=now - timedelta(days=10))
    steps = (
        ("ConsultationCompleted", VALID_DATA["ConsultationCompleted"], 9),
        ("MedicationReviewed", VALID_DATA["MedicationReviewed"], 8),
        ("ContraindicationScreened", {"findings": []}, 8),
        ("AssessmentRecorded", scenes.BASELINE, 4),
    )
    for event_type, data, days_ago in steps:
        app.record(journey, event_type, data, actor=scenes.CLINICIAN, occurred_at=now - timedelta(days=days_ago))
    app.record(
        journey, "VitalsRecorded", VITALS, actor=scenes.CLINICIAN, occurred_at=SATURDAY_10_EST - timedelta(minutes=45)
    )
    app.record(journey, "InfusionCompleted", INFUSION, actor=scenes.CLINICIAN, occurred_at=SATURDAY_10_EST)
    watched = SATURDAY_10_EST + timedelta(minutes=45)  # discharged, as every infusion is before the next
    app.record(journey, "VitalsRecorded", {**VITALS, "phase": "post"}, actor=scenes.CLINICIAN, occurred_at=watched)
    app.record(journey, "DischargeAssessed", VALID_DATA["DischargeAssessed"], actor=scenes.CLINICIAN, occurred_at=watched)
    return journey


def test_a_coordinator_books_the_next_infusion_from_the_proposed_slots(page: Any, ny: Site) -> None:
    ny.add_person("coord-kim", "coordinator")
    app = ny.careplan
    journey = first_infusion_given(app, "MRN-NY-BOOK")
    # another patient already has chair 1 at 10:00 EST, the first time the spacing allows
    other = scenes.ready_for_induction(app, "MRN-NY-CHAIR1")
    app.record(
        other,
        "InfusionScheduled",
        {"phase": "induction", "scheduled_for": MONDAY_10_EST.isoformat(), "chair": 1},
        actor=scenes.COORDINATOR,
    )

    sign_in(page, ny, "coord-kim")
    page.goto(f"{ny.url}/journeys/{journey}")
    page.click("a:has-text('Record an event')")
    page.click("a:has-text('Schedule the next induction infusion')")
    slots = page.locator(".slot-list a.slot")
    # 48 h after Saturday's start (09:20, start to start: DESIGN 7.9), on the half hour; chair 1 is taken
    # from 10:00, so 09:30 to 10:30 goes to chair 2
    expect(slots.first).to_contain_text("2026-03-02 09:30 EST · chair 2")
    shot(page, "coordinator-proposed-slots")
    slots.first.click()
    expect(page.locator("#f-scheduled_for")).to_have_value("2026-03-02 09:30")
    expect(page.locator("#f-chair")).to_have_value("2")
    page.click("form.event-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Recorded")

    # At 04:00 EST the spacing still refuses the next infusion: that comes first (DESIGN 7.2), then the booking
    expect(page.locator(".next-actions li").first).to_contain_text("Infusions must start at least 48 h apart.")
    due_next = page.locator(".next-actions li").nth(1)
    expect(due_next).to_contain_text("Booked induction infusion, chair 2")
    expect(due_next).to_contain_text("2026-03-02 09:30 EST")
    shot(page, "coordinator-booked-due-next")

    ny.catch_up()
    page.goto(f"{ny.url}/dashboard?list=due_today")
    shot(page, "coordinator-dashboard-due-today")
    row = page.locator("tr", has_text="MRN-NY-BOOK")
    expect(row).to_contain_text("induction due 2026-03-02 09:30 EST")  # due today by its booking
    shot(page, "coordinator-dashboard-due-today")

    page.goto(f"{ny.url}/schedule")
    expect(page.locator("h1")).to_contain_text("Monday 02 March 2026")
    grid = page.locator("table.schedule-grid")
    expect(grid).to_contain_text("MRN-NY-BOOK")
    expect(grid).to_contain_text("MRN-NY-CHAIR1")
    ten = page.locator("tbody tr", has_text="09:00 EST")
    expect(ten.locator("td").nth(1)).to_contain_text("MRN-NY-BOOK")  # the chair 2 column
    shot(page, "schedule-day-view")
    page.emulate_media(media="print")
    expect(page.locator(".schedule-head .toolbar")).to_be_hidden()
    shot(page, "schedule-day-view-print")
