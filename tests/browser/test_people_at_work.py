"""The three users at work in a real browser: a clinician whose infusion is held by blood pressure,
a coordinator finding an overdue journey, an auditor stepping back to an earlier version."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser import scenes
from tests.browser.conftest import Site, shot, sign_in


def test_a_clinician_records_high_blood_pressure_and_sees_why_the_infusion_is_held(page: Any, site: Site) -> None:
    site.add_person("dr-lee", "clinician")
    journey = scenes.ready_for_induction(site.careplan, "MRN-BP-1")
    sign_in(page, site, "dr-lee")
    page.fill("#q", "MRN-BP-1")
    page.click("form.search button")
    page.click("a.patient-link:has-text('MRN-BP-1')")
    expect(page.locator("h1.patient")).to_have_text("MRN-BP-1")
    assert str(journey) in page.url and "MRN-BP-1" not in page.url

    page.click("a:has-text('Record pre-infusion vitals')")
    expect(page.locator("#f-phase")).to_have_value("pre")
    page.fill("#f-systolic", "152")
    page.fill("#f-diastolic", "96")
    page.fill("#f-heart_rate", "78")
    page.fill("#f-occurred_at", scenes.infusion_start(site))
    page.click("form.event-form button[type=submit]")
    expect(page.locator(".flash-warning")).to_contain_text("152/96 at or above 140/90")
    expect(page.locator(".step-on-hold")).to_contain_text("Pre-infusion BP 152/96")
    shot(page, "clinician-hold-on-timeline")

    page.click("a:has-text('Record an event')")
    page.click("summary:has-text('Everything else')")
    page.click("a:has-text('Complete infusion')")
    page.select_option("#f-phase", "induction")
    page.fill("#f-dose_mg_per_kg", "0.5")
    page.fill("#f-weight_kg", "71")
    page.fill("#f-duration_min", "40")
    page.check("#f-escort_confirmed-yes")
    page.click("form.event-form button[type=submit]")
    refusal = page.locator(".alert-danger")
    expect(refusal).to_contain_text("The protocol does not allow this now")
    expect(refusal).to_contain_text("Pre-infusion blood pressure 152/96 is at or above 140/90")
    expect(page.locator("#f-weight_kg")).to_have_value("71")
    shot(page, "clinician-infusion-refused")
    assert site.careplan.history(journey)[-1].type == "VitalsRecorded"


def test_a_coordinator_finds_an_overdue_journey_on_the_dashboard(page: Any, site: Site) -> None:
    site.add_person("sam", "coordinator")
    journey = scenes.consultation_overdue(site.careplan, "MRN-LATE-1")
    sign_in(page, site, "sam")
    expect(page.locator("h1")).to_have_text("Dashboard")
    page.click("a.tile-overdue")
    page.select_option("select[name=step]", "consultation")
    page.click("form.filters button")
    row = page.locator("tr", has=page.locator("a:has-text('MRN-LATE-1')"))
    expect(row).to_contain_text("consultation overdue since")
    shot(page, "coordinator-overdue-worklist")
    row.locator("a.patient-link").click()
    assert page.url.endswith(f"/journeys/{journey}")
    expect(page.locator(".step", has_text="Consultation")).to_contain_text("Was due")
    shot(page, "coordinator-overdue-timeline")


def test_an_auditor_steps_back_to_an_earlier_version(page: Any, site: Site) -> None:
    site.add_person("ada", "auditor")
    journey = scenes.a_few_versions(site.careplan, "MRN-AUDIT-1")
    sign_in(page, site, "ada")
    expect(page.locator("h1")).to_have_text("Audit")
    page.fill("#q", "MRN-AUDIT-1")
    page.click("form.search button")
    page.click("a:has-text('MRN-AUDIT-1')")
    expect(page.locator(".version-label")).to_have_text("Version 4 of 4")
    expect(page.locator(".chain")).to_contain_text("Hash chain intact")
    page.click("a[rel=prev]")
    expect(page.locator(".version-label")).to_have_text("Version 3 of 4")
    assert f"/audit/journeys/{journey}?version=3" in page.url
    expect(page.locator("table.log")).to_contain_text("Prefers morning appointments.")
    expect(page.locator("table.log")).not_to_contain_text("Medication reviewed")
    medication = page.locator("tr", has=page.locator("th:has-text('Medication review')"))
    expect(medication).to_contain_text("ready")
    shot(page, "auditor-version-3")
    page.click("a:has-text('What changed at version 3')")
    expect(page.locator("table.log")).to_contain_text("Note added")
    shot(page, "auditor-diff-2-3")
