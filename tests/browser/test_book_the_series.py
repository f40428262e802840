"""Issue 21 in a real browser: a coordinator in America/New_York books a six-infusion series from the
proposals in one flow (timeline -> Book the series -> one click) and finds the six bookings, each 48 h
or more after the one before, in the day view (screenshots in screenshots/)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import scenes
from tests.browser.conftest import Site, serve, shot, sign_in


@pytest.fixture(scope="module")
def ny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from serve(tmp_path_factory.mktemp("ny-series"), {"CAREPLAN_TIMEZONE": "America/New_York"})


def test_a_coordinator_books_six_infusions_from_the_proposals_in_one_flow(page: Any, ny: Site) -> None:
    ny.add_person("coord-ana", "coordinator")
    app = ny.careplan
    journey = scenes.ready_for_induction(app, "MRN-NY-SERIES")
    sign_in(page, ny, "coord-ana")
    page.goto(f"{ny.url}/journeys/{journey}")

    page.click("a#book-the-series")
    proposals = page.locator(".series-proposals li")
    expect(proposals).to_have_count(6)
    expect(proposals.first).to_contain_text("EST")
    shot(page, "coordinator-series-proposals")
    page.click("button#book-series")
    expect(page.locator(".flash-success")).to_contain_text("6 infusions booked")
    shot(page, "coordinator-series-booked")

    booked = sorted(
        (a for a in app.get(journey).chart.appointments if a.state == "scheduled"), key=lambda a: a.scheduled_for
    )
    assert len(booked) == 6
    starts = [a.scheduled_for for a in booked]
    assert all(b - a >= timedelta(hours=48) for a, b in zip(starts, starts[1:]))
    clinic_zone = "America/New_York"
    from zoneinfo import ZoneInfo

    for appointment in booked:
        local = appointment.scheduled_for.astimezone(ZoneInfo(clinic_zone))
        page.goto(f"{ny.url}/schedule?date={local.date().isoformat()}")
        row = page.locator("tbody tr", has_text=local.strftime("%H:%M"))
        expect(row).to_contain_text("MRN-NY-SERIES")
    shot(page, "schedule-day-view-series")
