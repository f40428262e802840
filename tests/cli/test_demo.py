"""``careplan demo``: a deterministic cohort at every stage, every entry valid and passed by the rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from careplan.application import CarePlan
from careplan.bootstrap import build_app
from careplan.domain.view import JourneyView
from careplan.domain.vocabulary import CLINICIAN_EVENTS
from events.schemas import DATA_SCHEMAS, to_json
from tests.cli.conftest import NOW, NOW_AT, careplan, store_url

pytestmark = pytest.mark.usefixtures("cohort")


def histories(url: str) -> list[list[tuple[object, ...]]]:
    """Each journey's entries without ids or recorded times, in the order the journeys were opened."""
    app = build_app({"CAREPLAN_DATABASE_URL": url, "CAREPLAN_MODE": "demo"})
    try:
        return [
            [(f.type, f.data, f.occurred_at, f.actor, f.reason) for f in app.history(one)]
            for one in app.journey_ids()
        ]
    finally:
        app.close()


def views(app: CarePlan) -> list[JourneyView]:
    return [app.view(one, now=NOW_AT)[1] for one in app.journey_ids()]


def worklists(view: JourneyView) -> set[str]:
    """The dashboard's worklists this journey belongs on, read off its view."""
    steps = view.steps.values()
    kinds = set()
    if any(s.due_at and s.due_at.date() == NOW_AT.date() and not s.has_flag("overdue") for s in steps):
        kinds.add("due_today")
    if any(s.has_flag("overdue") for s in steps):
        kinds.add("overdue")
    if any(s.has_flag("blocked") or s.has_flag("hold") for s in steps):
        kinds.add("blocked")
    if view.open_alerts:
        kinds.add("safety_alerts")
    return kinds


def test_the_same_seed_writes_the_same_cohort_into_two_stores(capsys, tmp_path: Path, monkeypatch) -> None:
    urls = [store_url(tmp_path / "first.sqlite"), store_url(tmp_path / "second.sqlite")]
    for url in urls:
        monkeypatch.setenv("CAREPLAN_DATABASE_URL", url)
        assert careplan(capsys, "demo", "--patients", "20", "--seed", "11", "--now", NOW).code == 0
    first, second = histories(urls[0]), histories(urls[1])
    assert len(first) == 20
    assert first == second


def test_another_seed_writes_another_cohort(capsys, tmp_path: Path, monkeypatch, cohort: str) -> None:
    url = store_url(tmp_path / "other.sqlite")
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", url)
    assert careplan(capsys, "demo", "--patients", "24", "--seed", "8", "--now", NOW).code == 0
    assert histories(url) != histories(cohort)


def test_the_summary_reports_journeys_events_and_speed(capsys, store: str) -> None:
    ran = careplan(capsys, "demo", "--patients", "12", "--now", NOW)
    assert ran.code == 0
    match = re.search(r"wrote 12 journeys, (\d+) events in [\d.]+ s \(([\d,]+) events/s\), seed 7", ran.out)
    assert match, ran.out
    app = build_app()
    try:
        stored = sum(app.get(one).version for one in app.journey_ids())
    finally:
        app.close()
    assert int(match.group(1)) == stored


def test_every_step_status_and_every_worklist_is_represented(reader: CarePlan) -> None:
    seen = views(reader)
    statuses = {step.status for view in seen for step in view.steps.values()}
    assert statuses >= {"requested", "ready", "in-progress", "on-hold", "completed", "cancelled"}
    assert set().union(*(worklists(view) for view in seen)) == {"due_today", "overdue", "blocked", "safety_alerts"}
    assert {view.status for view in seen} == {"active", "paused", "closed"}


def test_every_stage_of_the_protocol_is_reached(reader: CarePlan) -> None:
    seen = views(reader)
    assert any(v.steps["consultation"].status == "ready" for v in seen)  # just opened
    assert any(v.steps["contraindication_screening"].has_flag("contraindication") for v in seen)
    assert any(v.steps["contraindication_screening"].has_flag("override") for v in seen)
    assert any(v.steps["medication_review"].has_flag("taper") for v in seen)
    assert any(v.steps["lab_screening"].has_flag("follow_up") for v in seen)
    assert any(v.steps["induction"].status == "in-progress" for v in seen)
    assert any(v.steps["induction"].has_flag("hold") for v in seen)
    assert any(v.steps["response_check"].status == "ready" for v in seen)  # awaiting the response check
    assert any(v.steps["maintenance"].status == "in-progress" for v in seen)
    assert any(v.steps["maintenance"].has_flag("relapse") for v in seen)
    assert any(v.steps["induction"].status == "cancelled" for v in seen)  # ineligible or discontinued


def test_every_entry_is_valid_pseudonymous_and_recorded_after_it_happened(reader: CarePlan) -> None:
    types = set()
    for one in reader.journey_ids():
        history = reader.history(one)
        assert re.fullmatch(r"DEMO-\d{6}", history[0].data["patient_ref"])
        for before, fact in zip([None, *history], history):
            types.add(fact.type)
            assert fact.occurred_at <= fact.recorded_at <= NOW_AT
            assert before is None or before.recorded_at <= fact.recorded_at
            if fact.type in CLINICIAN_EVENTS:
                DATA_SCHEMAS[fact.type]().load(to_json(fact.data))
    assert {"InfusionHeld", "HoldOverridden", "EventEnteredInError", "SafetyAlertRaised", "JourneyPaused"} <= types


def test_the_demo_refuses_a_store_that_already_holds_journeys(capsys, cohort_env: str, reader: CarePlan) -> None:
    before = len(list(reader.journey_ids()))
    ran = careplan(capsys, "demo", "--patients", "5", "--now", NOW)
    assert ran.code == 2
    assert ran.err.count("\n") == 1 and "already holds journeys" in ran.err
    assert len(list(reader.journey_ids())) == before
