"""The patient in the chair, in Chromium (DESIGN 7.3): a clinician records who the patient is from the
banner, gives the infusion, and prints the session record; at 1366 and 390 px, checked with axe."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from careplan.domain.values import Actor
from tests.browser.axe import assert_accessible
from tests.browser.conftest import Site, shot, sign_in
from tests.browser.scenes import ready_for_induction

CLINICIAN = Actor("nurse-ade", "clinician")


@pytest.fixture(scope="module")
def chair_site(site: Site) -> Site:
    site.add_person("nurse-ade", "clinician")
    return site


def test_a_clinician_identifies_the_patient_gives_the_infusion_and_prints_the_record(
    chair_site: Site, page: Any, browser: Any
) -> None:
    site = chair_site
    plan = site.careplan
    journey = ready_for_induction(plan, "MRN-CHAIR-1")
    now = plan.clock()
    sign_in(page, site, "nurse-ade")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{site.url}/journeys/{journey}")
    assert "Name and date of birth are not recorded" in page.inner_text(".patient-banner")

    page.click("#edit-patient")
    page.fill("#p-name", "Wilhelmina Quarrington")
    page.fill("#p-birth_date", "1981-04-30")
    page.fill("#p-allergies", "Penicillin\nLatex")
    assert_accessible(page, "the patient's details form")
    shot(page, "patient-details-form")
    page.click("form[action$='/patient'] button[type=submit]")
    page.wait_for_load_state()
    banner = page.inner_text(".patient-banner")
    assert "Wilhelmina Quarrington" in banner and "30 Apr 1981" in banner and "Penicillin, Latex" in banner

    pre = {"phase": "pre", "systolic": 124, "diastolic": 78, "heart_rate": 72, "spo2": 98}
    plan.record(journey, "VitalsRecorded", pre, actor=CLINICIAN, occurred_at=now - timedelta(minutes=100))
    done = {"phase": "induction", "dose_mg_per_kg": 0.5, "weight_kg": 71.5, "duration_min": 40, "escort_confirmed": True}
    given = plan.record(journey, "InfusionCompleted", done, actor=CLINICIAN, occurred_at=now - timedelta(minutes=45))
    post = {"phase": "post", "systolic": 126, "diastolic": 80, "heart_rate": 76, "spo2": 97}
    plan.record(journey, "VitalsRecorded", post, actor=CLINICIAN, occurred_at=now - timedelta(minutes=10))
    during = {"phase": "during", "systolic": 138, "diastolic": 84, "heart_rate": 88, "spo2": 96}
    plan.record(journey, "VitalsRecorded", during, actor=CLINICIAN, occurred_at=now - timedelta(minutes=65))
    discharge = {"phase": "induction", "observation_min": 45, "alert_and_oriented": True, "escort_present": True}
    plan.record(journey, "DischargeAssessed", discharge, actor=CLINICIAN, occurred_at=now)

    page.goto(f"{site.url}/journeys/{journey}")
    assert "71.5 kg" in page.inner_text(".patient-banner")
    page.click("a.session-link")
    page.wait_for_load_state()
    assert page.url.endswith(f"/administrations/{given}")
    record = page.inner_text(".session-record")
    assert "35.8 mg" in record and "45 min after the end" in record
    assert page.is_visible("[data-print]"), "the Print button is shown once the script wires it"
    page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    page.click("[data-print]")
    assert page.get_attribute("body", "data-printed") == "yes"
    assert_accessible(page, "the session record")
    shot(page, "session-record")
    page.emulate_media(media="print")
    shot(page, "session-record-print")
    page.emulate_media(media="screen")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site.url}/journeys/{journey}")
    assert_accessible(page, "the timeline at 390 px")
    width = page.evaluate("document.querySelector('.patient-banner').getBoundingClientRect().right")
    assert width <= 390, "the banner fits a phone's width"
    shot(page, "patient-banner-phone")
