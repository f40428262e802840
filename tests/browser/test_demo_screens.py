"""The pages with a demo clinic behind them (200 patients at every stage), photographed for a person
to look at: the dashboard, a long journey's timeline, the PHQ-9 form, and the auditor's log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from careplan.demo import generate
from tests.browser.conftest import NOW, SCREENSHOTS, Site, serve, shot, sign_in

PATIENTS = 200


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    for site in serve(tmp_path_factory.mktemp("clinic")):
        generate(site.careplan, PATIENTS, seed=7, now=NOW)
        site.catch_up()
        for name, role in (("coord", "coordinator"), ("doc", "clinician"), ("audit", "auditor"), ("boss", "admin")):
            site.add_person(name, role)
        yield site


def longest_journey(site: Site) -> Any:
    from events.read.runtime import read_side_for

    page = read_side_for(site.careplan).journeys(limit=500)
    return max(page.items, key=lambda s: s.version)


def test_the_dashboard_of_a_busy_clinic_shows_every_worklist(page: Any, clinic: Site) -> None:
    sign_in(page, clinic, "coord")
    journeys = len(list(clinic.careplan.journey_ids()))  # more than the patients: some are on a second course
    assert journeys > PATIENTS
    expect(page.locator(".tile-all .tile-count")).to_have_text(str(journeys))
    shot(page, "demo-dashboard-overdue")
    page.click("a.tile-all")
    expect(page.locator("table.journeys tbody tr")).to_have_count(25)
    shot(page, "demo-dashboard-all")
    page.click("a.tile-safety_alerts")
    shot(page, "demo-dashboard-alerts")
    page.set_viewport_size({"width": 420, "height": 900})
    page.click("a.tile-due_today")
    shot(page, "demo-dashboard-phone")


def test_a_long_journey_reads_well(page: Any, clinic: Site) -> None:
    journey = longest_journey(clinic)
    sign_in(page, clinic, "doc")
    page.goto(f"{clinic.url}/journeys/{journey.journey_id}")
    expect(page.locator("svg.chart")).to_be_visible()
    shot(page, "demo-long-timeline")
    page.screenshot(path=str(SCREENSHOTS / "demo-long-timeline-top.png"))
    page.locator("section:has(#series-title)").screenshot(path=str(SCREENSHOTS / "demo-long-timeline-series.png"))
    page.locator("section.event-group:has(#g-induction)").screenshot(path=str(SCREENSHOTS / "demo-long-timeline-induction.png"))
    page.click("a:has-text('Record an assessment')")
    page.select_option("#f-instrument", "PHQ9")
    expect(page.locator(".questionnaire[data-instrument=MADRS]")).to_be_hidden()
    shot(page, "demo-phq9-form")
    page.goto(f"{clinic.url}/journeys/{journey.journey_id}/events/new?type=MedicationReviewed")
    page.click("button[data-add-row]")
    expect(page.locator("input[name=medications-3-name]")).to_be_visible()
    shot(page, "demo-medication-form")


def test_the_auditor_reads_a_long_log(page: Any, clinic: Site) -> None:
    journey = longest_journey(clinic)
    sign_in(page, clinic, "audit")
    page.goto(f"{clinic.url}/audit/journeys/{journey.journey_id}/log")
    expect(page.locator("table.log tbody tr")).to_have_count(journey.version)
    shot(page, "demo-audit-log")
    page.goto(f"{clinic.url}/audit/journeys/{journey.journey_id}/diff?from=10&to=20")
    shot(page, "demo-audit-diff")


def test_an_admin_finds_the_people_page_from_the_navigation(page: Any, clinic: Site) -> None:
    sign_in(page, clinic, "boss")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Open a journey")).to_have_count(0)
    nav.get_by_role("link", name="People").click()
    expect(page.locator("h1")).to_contain_text("People")
    expect(page.locator("table")).to_contain_text("coord")
    shot(page, "demo-admin-people")


def test_the_deviations_tab_shows_the_demos_deviation_with_its_reason(page: Any, clinic: Site) -> None:
    sign_in(page, clinic, "coord")
    page.click("a.tile-deviations")
    expect(page.locator("h2")).to_contain_text("Deviations")
    rows = page.locator("table.journeys tbody tr")
    expect(rows.first).to_contain_text("recorded as a deviation: ")
    expect(rows.first.locator("a").first).to_have_text(re.compile(r"DEMO-\d{6}"))
    shot(page, "demo-dashboard-deviations")


def test_a_second_journey_for_a_patient_with_an_open_one_is_refused_with_a_link_to_it(page: Any, clinic: Site) -> None:
    from events.read.runtime import read_side_for

    open_one = read_side_for(clinic.careplan).journeys(limit=1, status="active").items[0]
    sign_in(page, clinic, "coord")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Open a journey").click()
    page.fill("#f-patient_ref", open_one.patient_ref)
    page.get_by_role("button", name="Open the journey").click()
    notice = page.locator("#journey-exists")
    expect(notice).to_contain_text(f"{open_one.patient_ref} already has an open journey")
    expect(notice).to_contain_text("Nothing was recorded")
    shot(page, "demo-journey-exists")
    page.click("#existing-journey")
    expect(page).to_have_url(f"{clinic.url}/journeys/{open_one.journey_id}")
