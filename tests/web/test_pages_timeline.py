"""The journey timeline: events grouped by step with both times, actor and reason; corrections struck
through with their reason; the infusion series with its vitals; the PHQ-9 chart; what is due next."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask

from careplan.domain.values import Actor
from tests.browser.scenes import CLINICIAN, ready_for_induction
from tests.web.conftest import People
from tests.web.pages import careplan, signed_in


def test_the_timeline_shows_steps_series_chart_and_corrections(app: Flask, people: People) -> None:
    plan = careplan(app)
    journey = ready_for_induction(plan, "MRN-TL-1")
    now = plan.clock()
    started = now - timedelta(minutes=40)  # the infusion recorded now started then: the vitals and override before
    plan.record(journey, "VitalsRecorded", {"phase": "pre", "systolic": 150, "diastolic": 95, "heart_rate": 80}, actor=CLINICIAN, occurred_at=started)
    plan.record(journey, "HoldOverridden", {"hold": "blood_pressure"}, actor=CLINICIAN, reason="Repeat BP 138/88 after rest.", occurred_at=started)
    done = {"phase": "induction", "dose_mg_per_kg": 0.5, "weight_kg": 70, "duration_min": 40, "escort_confirmed": True}
    plan.record(journey, "InfusionCompleted", done, actor=CLINICIAN)
    plan.record(journey, "NoteAdded", {"text": "Wrong patient's note."}, actor=Actor("c", "coordinator"))
    wrong = plan.get(journey).version
    plan.record(journey, "EventEnteredInError", {"target_version": wrong}, actor=CLINICIAN, reason="Belongs to another chart.")
    page = signed_in(app, people, "clinician").get(f"/journeys/{journey}").get_data(as_text=True)

    assert page.index('id="g-journey"') < page.index('id="g-consultation"') < page.index('id="g-induction"')
    assert "<del>Wrong patient&#39;s note.</del>" in page
    assert "Entered in error — Belongs to another chart." in page
    assert "Reason: Repeat BP 138/88 after rest." in page
    assert '<div class="vitals high"><span class="muted small">pre</span> 150/95, 80</div>' in page
    assert "Induction 1" in page and "0.5 mg/kg × 70 kg = <strong>35 mg</strong> · 40 min" in page
    assert len(re.findall(r'<circle class="point', page)) == 1 and "PHQ-9 over time" in page
    assert "Assess discharge after induction infusion 1 of 6" in page  # the engine would refuse infusion 2 now
    assert f"{now - timedelta(days=9):%Y-%m-%d} 09:00" in page and "recorded 2026-03-02 09:00" in page
    assert "seed-clinician · clinician" in page


def test_a_new_journey_has_calm_empty_states(app: Flask, people: People) -> None:
    journey = careplan(app).open_journey("MRN-EMPTY", actor=Actor("c", "coordinator"))
    page = signed_in(app, people, "coordinator").get(f"/journeys/{journey}").get_data(as_text=True)
    assert "No PHQ-9 recorded yet." in page and "Complete the consultation" in page
    assert "Infusions and vitals" not in page
    assert "Schedule an infusion" in page and "Record vitals" not in page


def test_a_late_entry_stands_where_it_happened_marked_with_when_it_was_recorded(app: Flask, people: People) -> None:
    plan = careplan(app)
    journey = ready_for_induction(plan, "MRN-TL-LATE")
    now = plan.clock()
    pre = {"phase": "pre", "systolic": 200, "diastolic": 120, "heart_rate": 80}
    high = plan.record(journey, "VitalsRecorded", pre, actor=CLINICIAN)
    late = plan.record(
        journey, "VitalsRecorded", {**pre, "systolic": 120, "diastolic": 80}, actor=CLINICIAN,
        occurred_at=now - timedelta(hours=1, minutes=30),
    )
    page = signed_in(app, people, "clinician").get(f"/journeys/{journey}").get_data(as_text=True)
    assert page.index(f'id="v{late}"') < page.index(f'id="v{high}"')  # where it happened, not where typed
    entry = page[page.index(f'id="v{late}"') : page.index(f'id="v{high}"')]
    assert "late-entry" in entry and f"charted late, recorded {now:%Y-%m-%d %H:%M}" in entry
    assert "charted late" not in page[page.index(f'id="v{high}"') :].split("</li>")[0]
