"""The outcomes page of a demo clinic on two protocol versions, at a desk's width and a phone's: axe
finds nothing of moderate impact or above, nothing is wider than the screen, both charts are drawn
without script (a title and a description each), the synthetic data is said to be so; photographed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from careplan.demo import generate
from events.protocol_file import default_protocols
from tests.browser.axe import violations
from tests.browser.conftest import NOW, Site, serve, shot, sign_in

PACKAGED = Path(__file__).resolve().parents[2] / "careplan" / "protocols" / "ketamine-trd.v1.json"


def protocols_with_a_second_version(folder: Path) -> Path:
    """Version 2 of ketamine-trd as shipped, or, before it ships, version 1's rules under the number 2
    (this test is about the page, not the protocol)."""
    folder.mkdir()
    if not any(p.id == "ketamine-trd" and p.version == 2 for p in default_protocols()):
        (folder / "ketamine-trd.v2.json").write_text(json.dumps({**json.loads(PACKAGED.read_text()), "version": 2}))
    return folder


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("outcomes")
    env = {"CAREPLAN_PROTOCOLS_DIR": str(protocols_with_a_second_version(tmp / "protocols"))}
    for site in serve(tmp, env):
        generate(site.careplan, 160, seed=7, now=NOW)
        site.add_person("director", "clinician")
        yield site


@pytest.mark.parametrize("width", [1366, 390])
def test_the_outcomes_page_reads_at_both_widths(browser: Any, clinic: Site, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, clinic, "director")
        page.goto(clinic.url + "/reports/outcomes")
        expect(page.locator("h1")).to_have_text("Outcomes by protocol version")
        expect(page.locator("svg.chart")).to_have_count(2)
        expect(page.locator("table.figures thead th")).to_have_count(3)  # the figure, v1, v2
        expect(page.locator(".notice")).to_contain_text("Synthetic data")
        expect(page.locator(".literature")).to_contain_text("70.8 %")
        assert page.locator("svg.chart title").first.text_content() == "Retention: courses by infusions completed"
        found = violations_with_script(browser, clinic, width)
        assert not found, found
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        shot(page, f"outcomes-report-{width}px")
    finally:
        context.close()


def violations_with_script(browser: Any, clinic: Site, width: int) -> list[str]:
    """axe runs as a script: the page is checked again in a context that runs scripts."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, clinic, "director")
        page.goto(clinic.url + "/reports/outcomes")
        return violations(page)
    finally:
        context.close()
