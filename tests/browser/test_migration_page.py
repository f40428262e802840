"""A clinician moves a patient in the middle of the induction series to protocol version 2, in a real
browser: the preview names what changes (consent and the new labs before the next infusion), the move
is recorded with its reason, and the timeline then asks for consent instead of the next infusion."""

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
    yield from serve(tmp_path_factory.mktemp("migration"))


def test_a_clinician_previews_then_moves_a_journey_to_version_2(page: Any, site: Site) -> None:
    site.add_person("dr-move", "clinician")
    journey = scenes.ready_for_induction(site.careplan, "MRN-MOVE-1")
    sign_in(page, site, "dr-move")
    page.goto(f"{site.url}/journeys/{journey}")
    page.click("a:has-text('Protocol version 1')")
    page.fill("#f-reason", "The clinic adopted version 2 on 1 March.")
    page.click("button:has-text('See what would change')")
    report = page.locator("ul.migration-report")
    expect(report).to_contain_text("The consent step is added")
    expect(report).to_contain_text("Induction would wait: Informed consent has not been recorded.")
    assert_accessible(page, "migration preview")
    shot(page, "clinician-migration-preview")
    page.click("button:has-text('Move to version 2')")
    expect(page.locator(".flash-success")).to_contain_text("Moved to protocol version 2")
    expect(page.locator("body")).to_contain_text("Moved from version 1 to 2. What changed:")
    assert site.careplan.get(journey).protocol_version == 2
    shot(page, "clinician-migration-timeline")
