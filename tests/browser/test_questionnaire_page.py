"""The patient's questionnaire page in Chromium (DESIGN 7.7): on a 390 px phone, answered by keyboard
only (Tab between questions, arrows within one, Enter to send), a forgotten question found from the
error summary, the crisis line after a self-harm answer; axe finds nothing of impact moderate or
above at 390 and 1366 px."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from careplan.domain.values import Actor
from careplan.messaging import questionnaires
from careplan.messaging.links import make_token
from tests.browser.axe import assert_accessible
from tests.browser.conftest import Site, serve, shot

COORDINATOR = Actor("coord-kim", "coordinator")
CLINICIAN = Actor("dr-ng", "clinician")


@pytest.fixture(scope="module")
def q_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from serve(tmp_path_factory.mktemp("q-site"))


def link(site: Site, ref: str, instrument: str = "PHQ9") -> str:
    plan = site.careplan
    journey = plan.open_journey(ref, actor=COORDINATOR)
    sent = questionnaires.send_now(plan, journey, instrument, actor=CLINICIAN)
    return f"{site.url}/q/{make_token(plan, UUID(str(journey)), sent['key'])}"


def answer_by_keyboard(page: Any, answers: list[int | None]) -> None:
    """Tab to each question's radio group; Space takes the first answer, each ArrowDown the next one."""
    page.keyboard.press("Tab")  # the skip link
    for choice in answers:
        page.keyboard.press("Tab")
        if choice is None:
            continue
        if choice == 0:
            page.keyboard.press("Space")
        for _ in range(choice):
            page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # the send button
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_patient_answers_on_a_phone_by_keyboard_and_sees_the_crisis_line(q_site: Site, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        url = link(q_site, "MRN-PHONE-1")
        page.goto(url)
        assert page.locator("fieldset legend").count() == 9
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
        assert_accessible(page, "the questionnaire at 390 px")
        shot(page, "questionnaire-phone")

        answer_by_keyboard(page, [1, 1, 2, 0, 1, 0, 1, 0, None])  # the last one forgotten
        assert "Question 9 has no answer" in page.inner_text("#problem-summary")
        assert page.is_checked("#item3-2"), "the answers given are kept"
        assert_accessible(page, "the questionnaire with a question left out, at 390 px")
        shot(page, "questionnaire-phone-missing")

        page.keyboard.press("Tab")  # the skip link
        page.keyboard.press("Tab")  # the error summary's link to question 9
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "item9-0"
        page.keyboard.press("ArrowDown")  # "Several days"
        page.keyboard.press("Tab")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.inner_text("h1") == "Thank you"
        assert "988" in page.inner_text(".q-crisis"), "the crisis line after a self-harm answer"
        assert_accessible(page, "the thank-you page with the crisis line, at 390 px")
        shot(page, "questionnaire-phone-crisis")

        page.goto(url)
        assert page.inner_text("h1") == "Already answered"
    finally:
        context.close()


def test_the_questionnaire_at_desktop_width_passes_axe(q_site: Site, page: Any) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(link(q_site, "MRN-DESK-1", "GAD7"))
    assert page.locator("fieldset legend").count() == 7
    assert_accessible(page, "the questionnaire at 1366 px")
    page.goto(f"{q_site.url}/q/this-link-was-mistyped-000000")
    assert page.inner_text("h1") == "This link does not work"
    assert_accessible(page, "a link that does not work")
