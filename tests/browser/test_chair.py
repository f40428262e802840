"""Issue 10 in a real browser: a clinician watches an infusion, sees blood pressure climb to 196/118,
gets the vitals alert at once, stops the infusion for hypertension, and the timeline shows the stop,
the alert and the discharge still pending."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import scenes
from tests.browser.conftest import Site, serve, shot, sign_in


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from serve(tmp_path_factory.mktemp("chair"))


def submit(page: Any) -> None:
    page.click("form.event-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Recorded")


def test_a_clinician_stops_an_infusion_for_hypertension_and_sees_its_alert(page: Any, site: Site) -> None:
    site.add_person("dr-chair", "clinician")
    journey = scenes.ready_for_induction(site.careplan, "MRN-CHAIR-1")
    sign_in(page, site, "dr-chair")
    page.goto(f"{site.url}/journeys/{journey}")

    page.click("a:has-text('Record pre-infusion vitals')")
    page.fill("#f-systolic", "124")
    page.fill("#f-diastolic", "80")
    page.fill("#f-heart_rate", "72")
    page.fill("#f-occurred_at", scenes.infusion_start(site))  # before the stop's start, 20 min before it
    submit(page)

    page.click("a:has-text('Record vitals during the infusion')")
    expect(page.locator("#f-phase")).to_have_value("during")
    page.fill("#f-systolic", "196")
    page.fill("#f-diastolic", "118")
    page.fill("#f-heart_rate", "118")
    submit(page)
    page.goto(f"{site.url}/journeys/{journey}")
    alert = page.locator(".alerts li").first
    expect(alert).to_contain_text("Vitals")
    expect(alert).to_contain_text("196/118")

    page.click("a:has-text('Stop the infusion early')")
    expect(page.locator("#f-phase")).to_have_value("induction")
    page.fill("#f-minutes_given", "20")
    page.select_option("#f-cause", "hypertension")
    page.fill("#f-reason", "BP 196/118 twenty minutes in; stopped per protocol.")
    submit(page)

    page.goto(f"{site.url}/journeys/{journey}")
    expect(page.locator(".series-stopped")).to_contain_text("Stopped after 20 min: Hypertension")
    expect(page.locator(".series-stopped")).to_contain_text("discharge pending")
    expect(page.locator("a:has-text('Discharge assessment')")).to_be_visible()
    expect(page.locator(".alerts li").first).to_contain_text("196/118")
    shot(page, "clinician-infusion-stopped-for-hypertension")

    types = [f.type for f in site.careplan.history(journey)]
    assert types[-4:] == ["VitalsRecorded", "VitalsRecorded", "SafetyAlertRaised", "InfusionStopped"]
    assert "InfusionCompleted" not in types
