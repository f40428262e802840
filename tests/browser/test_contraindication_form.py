"""G1 in a real browser: a clinician screens a patient, ticks an absolute and a relative
contraindication on the form, and the timeline shows both found and the induction blocked; the
override form then offers exactly those findings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import scenes
from tests.browser.axe import assert_accessible
from tests.browser.conftest import Site, serve, shot, sign_in


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from serve(tmp_path_factory.mktemp("contraindications"))


def test_a_clinician_ticks_a_contraindication_and_the_journey_is_blocked(page: Any, site: Site) -> None:
    site.add_person("dr-screen", "clinician")
    journey = scenes.ready_for_screening(site.careplan, "MRN-SCREEN-1")
    sign_in(page, site, "dr-screen")
    page.goto(f"{site.url}/journeys/{journey}")

    page.click("a:has-text('Record an event')")
    page.click("a:has-text('Contraindication screening')")
    findings = page.locator("#f-findings")
    expect(findings.locator(".check-group-absolute")).to_contain_text("Aneurysm or AVM")
    expect(findings.locator(".check-group-relative")).to_contain_text("Liver failure")
    page.get_by_label("Psychotic disorder").check()
    page.get_by_label("Uncontrolled hypertension").check()
    assert_accessible(page, "contraindication screening form")
    shot(page, "clinician-contraindication-ticked")
    page.click("form.event-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Recorded")

    page.goto(f"{site.url}/journeys/{journey}")
    expect(page.locator(".flag-contraindication").first).to_contain_text("Psychotic disorder found.")
    expect(page.locator(".flag-blocked").first).to_contain_text("Contraindications not overridden: psychotic disorder, uncontrolled hypertension.")
    shot(page, "clinician-contraindication-blocks-induction")

    page.goto(f"{site.url}/journeys/{journey}/events/new?type=ContraindicationOverridden")
    values = page.locator("#f-finding option").evaluate_all("options => options.map(o => o.value).filter(Boolean)")
    assert values == ["psychotic_disorder", "uncontrolled_hypertension"]
    page.select_option("#f-finding", "uncontrolled_hypertension")
    page.fill("#f-reason", "BP controlled on amlodipine since January; GP letter on file.")
    shot(page, "clinician-contraindication-override-form")
    page.click("form.event-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Recorded")

    data = [f.data for f in site.careplan.history(journey) if f.type.startswith("Contraindication")]
    assert [list(data[0]["findings"]), data[1]["finding"]] == [["psychotic_disorder", "uncontrolled_hypertension"], "uncontrolled_hypertension"]
