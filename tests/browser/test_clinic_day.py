"""Issue 11 in a real browser, in a New York clinic: a clinician works an infusion and acknowledges a
self-harm alert from its button; an auditor compares a journey as of last week with now; the dashboard
at 390 and 1024 px; axe-core finds no violation of impact moderate or above on any main page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import scenes
from tests.browser.axe import assert_accessible
from tests.browser.conftest import Site, serve, shot, sign_in

SELF_HARM = {"instrument": "PHQ9", "total": 13, "items": [1, 1, 2, 1, 2, 1, 2, 1, 2], "context": "infusion"}


@pytest.fixture(scope="module")
def ny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from serve(tmp_path_factory.mktemp("ny"), {"CAREPLAN_TIMEZONE": "America/New_York"})


def test_a_clinician_records_pre_vitals_completes_the_infusion_and_acknowledges_a_self_harm_alert(page: Any, ny: Site) -> None:
    ny.add_person("dr-ortiz", "clinician")
    journey = scenes.ready_for_induction(ny.careplan, "MRN-NY-1")
    sign_in(page, ny, "dr-ortiz")
    page.goto(f"{ny.url}/journeys/{journey}")
    expect(page.locator("footer")).to_contain_text("America/New_York")

    page.click("a:has-text('Record pre-infusion vitals')")
    expect(page.locator("#f-phase")).to_have_value("pre")
    page.fill("#f-systolic", "124")
    page.fill("#f-diastolic", "80")
    page.fill("#f-heart_rate", "72")
    page.fill("#f-occurred_at", scenes.infusion_start(ny))  # the infusion recorded now started then
    page.click("form.event-form button[type=submit]")

    page.click("a:has-text('Complete infusion')")
    expect(page.locator("#f-phase")).to_have_value("induction")
    page.fill("#f-dose_mg_per_kg", "0.5")
    page.fill("#f-weight_kg", "71")
    page.fill("#f-duration_min", "40")
    page.check("#f-escort_confirmed-yes")
    page.click("form.event-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Recorded")

    ny.careplan.record(journey, "AssessmentRecorded", SELF_HARM, actor=scenes.CLINICIAN)
    page.reload()
    alert = page.locator(".alerts li").first
    expect(alert).to_contain_text("Self harm")
    expect(alert).to_contain_text("EST")  # 2026-03-02, clinic time in winter
    assert_accessible(page, "timeline with an open alert")
    shot(page, "clinician-self-harm-alert-open")
    alert.locator("input[value=moderate]").check()
    alert.locator("textarea[name=plan]").fill("Safety plan reviewed with the patient; crisis line given; call tomorrow.")
    alert.locator("button:has-text('Record acknowledgement')").click()
    expect(page.locator(".flash-success")).to_contain_text("safety alert acknowledged")
    expect(page.locator("#alerts-title")).to_have_count(0)
    shot(page, "clinician-self-harm-alert-acknowledged")
    last = ny.careplan.history(journey)[-1]
    assert last.type == "SafetyAlertAcknowledged" and last.data["risk_assessment"] == "moderate"
    assert [f.type for f in ny.careplan.history(journey)].count("InfusionCompleted") == 1


def test_an_auditor_compares_a_journey_as_of_last_week_with_now(page: Any, ny: Site) -> None:
    ny.add_person("auditor-kim", "auditor")
    app = ny.careplan
    ny.clock.advance(days=-7)
    journey = scenes.a_few_versions(app, "MRN-NY-2")
    ny.clock.advance(days=7)
    app.record(journey, "ContraindicationScreened", {"findings": []}, actor=scenes.CLINICIAN)
    app.record(journey, "NoteAdded", {"text": "Escort is the patient's sister."}, actor=scenes.COORDINATOR)
    last_week = ny.clock.now - timedelta(days=7) + timedelta(hours=1)
    sign_in(page, ny, "auditor-kim")
    page.goto(f"{ny.url}/audit/journeys/{journey}/diff")
    local = last_week.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York")).strftime("%Y-%m-%dT%H:%M")
    page.fill("#diff-as-of", local)
    page.click("button:has-text('Compare with now')")
    expect(page.locator("table.diff thead").first).to_contain_text("As known at")
    expect(page.locator("table.diff thead").first).to_contain_text("Now, ")
    expect(page.locator("#sc-title")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Contraindication screening")
    assert_accessible(page, "diff by date")
    shot(page, "auditor-diff-last-week-against-now")


@pytest.mark.parametrize("width", [390, 1024])
def test_the_dashboard_keeps_why_next_and_status_readable(browser: Any, ny: Site, width: int) -> None:
    ny.add_person(f"coord-{width}", "coordinator")
    scenes.consultation_overdue(ny.careplan, f"MRN-NY-W{width}")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, ny, f"coord-{width}")
        page.goto(f"{ny.url}/dashboard?list=overdue")
        row = page.locator("table.journeys tbody tr").first
        for label in ("Why", "Next", "Status"):
            cell = row.locator(f"td[data-label='{label}']")
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (label, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        assert_accessible(page, f"dashboard at {width} px")
        shot(page, f"dashboard-{width}px")
    finally:
        context.close()


MAIN_PAGES = ("/dashboard", "/dashboard?list=all", "/journeys/new", "/audit/", "/audit/access/", "/people")


def test_every_main_page_passes_axe(page: Any, ny: Site) -> None:
    ny.add_person("admin-axe", "admin")
    ny.add_person("dr-axe", "clinician")
    journey = scenes.ready_for_induction(ny.careplan, "MRN-NY-AXE")
    sign_in(page, ny, "admin-axe")
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    for path in (*MAIN_PAGES, f"/audit/journeys/{journey}", f"/audit/journeys/{journey}/diff", f"/audit/journeys/{journey}/log"):
        page.goto(ny.url + path)
        assert_accessible(page, path)
    page.context.clear_cookies()
    sign_in(page, ny, "dr-axe")
    for path in (f"/journeys/{journey}", f"/journeys/{journey}/events/new",
                 f"/journeys/{journey}/events/new?type=AssessmentRecorded&instrument=PHQ9",
                 f"/journeys/{journey}/events/2/entered-in-error"):
        page.goto(ny.url + path)
        assert_accessible(page, path)
    assert not missing, missing  # the favicon included
