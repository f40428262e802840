"""Every clinical page at a desk's width (1366 px) and a phone's (390 px): axe-core finds no violation
of impact moderate or above, and nothing is wider than the screen (a page that scrolls sideways on a
phone hides its right-hand columns). Every event type's form is among them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from careplan.domain.values import Actor
from careplan.domain.vocabulary import CLINICIAN_EVENTS
from careplan.entrypoints.scheduling.sweep import sweep
from careplan.messaging import questionnaires
from careplan.patients import Patients
from events.read.runtime import read_store_for
from tests.browser import scenes
from tests.browser.axe import violations
from tests.browser.conftest import Site, serve, sign_in

CLINICIAN = Actor("dr-wide", "clinician")


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from serve(tmp_path_factory.mktemp("wide"), {"CAREPLAN_TIMEZONE": "America/New_York"})


def _journey_with_a_session(site: Site) -> tuple[Any, int]:
    plan = site.careplan
    journey = scenes.ready_for_induction(plan, "MRN-WIDE-1")
    now = plan.clock()
    with site.flask.app_context():
        Patients(plan).record(journey, {"name": "Avery Quill", "birth_date": "1970-01-02", "allergies": ["Latex"]}, actor=CLINICIAN)
    pre = {"phase": "pre", "systolic": 120, "diastolic": 78, "heart_rate": 70}
    plan.record(journey, "VitalsRecorded", pre, actor=CLINICIAN, occurred_at=now - timedelta(minutes=90))
    done = {"phase": "induction", "dose_mg_per_kg": 0.5, "weight_kg": 70, "duration_min": 40, "escort_confirmed": True}
    given = plan.record(journey, "InfusionCompleted", done, actor=CLINICIAN, occurred_at=now - timedelta(minutes=40))
    site.catch_up()
    return journey, given


@pytest.mark.parametrize("width", [1366, 390])
def test_every_page_is_accessible_and_fits_the_screen(browser: Any, wide: Site, width: int) -> None:
    wide.add_person(f"admin-{width}", "admin")
    wide.add_person(f"dr-{width}", "clinician")
    wide.add_person(f"coord-{width}", "coordinator")
    journey, given = _journey_with_a_session(wide) if width == 1366 else _journey_with_a_session_again(wide)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []

    def check(path: str) -> None:
        page.goto(wide.url + path)
        found = violations(page)
        problems.extend(f"{path}: {v}" for v in found)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        if overflow > width + 1:
            wider = page.evaluate(
                "w => Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > w + 1"
                " && !e.closest('.table-scroll')).slice(-4).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')"
                " + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''))",
                width,
            )
            problems.append(f"{path}: {overflow} px wide on a {width} px screen ({', '.join(wider)})")

    try:
        sign_in(page, wide, f"dr-{width}")
        for path in (
            f"/journeys/{journey}", f"/journeys/{journey}/events/new", f"/journeys/{journey}/patient",
            f"/journeys/{journey}/administrations/{given}", f"/journeys/{journey}/events/2/entered-in-error",
            f"/journeys/{journey}/series", "/dashboard", "/dashboard?list=all", "/schedule", f"/journeys/{journey}/migrations",
        ):
            check(path)
        for event_type in CLINICIAN_EVENTS:
            check(f"/journeys/{journey}/events/new?type={event_type}")
        page.context.clear_cookies()
        sign_in(page, wide, f"coord-{width}")
        check("/journeys/new")
        page.context.clear_cookies()
        questionnaires.send_now(wide.careplan, journey, "PHQ9", actor=CLINICIAN)  # a message for the outbox
        sweep(wide.careplan, read_store_for(wide.careplan))
        sign_in(page, wide, f"admin-{width}")
        for path in ("/people", "/outbox/", "/audit/", "/audit/access/", f"/audit/journeys/{journey}",
                     f"/audit/journeys/{journey}/diff", f"/audit/journeys/{journey}/log"):
            check(path)
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def _journey_with_a_session_again(site: Site) -> tuple[Any, int]:
    plan = site.careplan
    ids = list(plan.journey_ids())
    if ids:
        journey = ids[0]
        given = next(f.version for f in plan.history(journey) if f.type == "InfusionCompleted")
        return journey, given
    return _journey_with_a_session(site)
