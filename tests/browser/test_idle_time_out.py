"""Issue 21 in a real browser: a clinician types a note, leaves the computer past the idle time-out,
sends the form, signs in again and sends what was kept; the note is on the timeline (screenshots)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import scenes
from tests.browser.conftest import PASSWORD, Site, serve, shot, sign_in

NOTE = "Escort is the patient's sister; she waits in the lobby."


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from serve(tmp_path_factory.mktemp("idle"))


def test_a_form_survives_an_idle_time_out(page: Any, site: Site) -> None:
    site.add_person("dr-idle", "clinician")
    journey = scenes.ready_for_induction(site.careplan, "MRN-IDLE-B")
    sign_in(page, site, "dr-idle")
    page.goto(f"{site.url}/journeys/{journey}/events/new?type=NoteAdded")
    page.fill("#f-text", NOTE)
    site.clock.now += timedelta(minutes=20)  # the coffee break: past the 15 minutes' idle time-out
    page.click("form.event-form button[type=submit]")

    expect(page.locator("#sign-in-error")).to_contain_text("Your session timed out")
    shot(page, "idle-time-out-sign-in-kept")
    page.fill("input[name=username]", "dr-idle")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator("#resume-title")).to_contain_text("Signed in again")
    expect(page.locator("dl.kept")).to_contain_text(NOTE)
    shot(page, "idle-time-out-send-kept")
    page.click("#send-kept")
    expect(page.locator(".flash-success")).to_contain_text("Recorded")
    expect(page.locator("body")).to_contain_text(NOTE)
    notes = [f for f in site.careplan.history(journey) if f.type == "NoteAdded" and f.data["text"] == NOTE]
    assert len(notes) == 1
