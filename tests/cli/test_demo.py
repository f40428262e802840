"""``careplan demo``: a deterministic cohort at every stage, every entry valid and passed by the rules."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from careplan.application import CarePlan
from careplan.demo import STAGES
from careplan.domain.record import fold_facts
from careplan.domain.values import Fact
from careplan.domain.view import JourneyView
from careplan.domain.vocabulary import CLINICIAN_EVENTS
from careplan.entrypoints.bootstrap import build_app
from events.read.runtime import read_side_for
from events.schemas import DATA_SCHEMAS, to_json
from tests.cli.conftest import NOW, NOW_AT, careplan, store_url

pytestmark = pytest.mark.usefixtures("cohort")


def histories(url: str) -> list[list[tuple[object, ...]]]:
    """Each journey's entries without ids or recorded times, in the order the journeys were opened (a
    second course names its previous one by that order: journey ids are random)."""
    app = build_app({"CAREPLAN_DATABASE_URL": url, "CAREPLAN_MODE": "demo"})
    try:
        journeys = list(app.journey_ids())
        order = {str(one): n for n, one in enumerate(journeys)}

        def data(fact: Fact) -> object:
            previous = fact.data.get("previous_journey_id") if fact.type == "JourneyOpened" else None
            return {**fact.data, "previous_journey_id": order[previous]} if previous else fact.data

        return [
            [(f.type, data(f), f.occurred_at, f.actor, f.reason) for f in app.history(one)]
            for one in journeys
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
    assert len({journey[0][1]["patient_ref"] for journey in first}) == 20  # a second course is one patient's
    assert first == second


def test_another_seed_writes_another_cohort(capsys, tmp_path: Path, monkeypatch, cohort: str) -> None:
    url = store_url(tmp_path / "other.sqlite")
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", url)
    assert careplan(capsys, "demo", "--patients", "24", "--seed", "8", "--now", NOW).code == 0
    assert histories(url) != histories(cohort)


def test_the_summary_reports_journeys_events_and_speed(capsys, store: str) -> None:
    ran = careplan(capsys, "demo", "--patients", "12", "--now", NOW)
    assert ran.code == 0
    pattern = r"wrote (\d+) journeys of 12 patients, (\d+) events in [\d.]+ s \(([\d,]+) events/s\), seed 7"
    match = re.search(pattern, ran.out)
    assert match, ran.out
    app = build_app()
    try:
        journeys = list(app.journey_ids())
        stored = sum(app.get(one).version for one in journeys)
    finally:
        app.close()
    assert int(match.group(1)) == len(journeys)
    assert int(match.group(2)) == stored


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


# -- the infusion chair's harder days (issue 10), in the smallest cohort that shows every stage ----------


@pytest.fixture
def small(smallest: str) -> Iterator[CarePlan]:
    app = build_app({"CAREPLAN_DATABASE_URL": smallest, "CAREPLAN_MODE": "demo"})
    yield app
    app.close()


def every_history(app: CarePlan) -> dict[UUID, list[Fact]]:
    return {one: app.history(one) for one in app.journey_ids()}


def test_the_smallest_cohort_has_one_patient_at_each_stage(capsys, store: str) -> None:
    ran = careplan(capsys, "demo", "--patients", str(len(STAGES)), "--now", NOW)
    assert ran.code == 0, ran.err
    stages = dict(part.rsplit(" ", 1) for part in ran.out.split("stages: ")[1].splitlines()[0].split(", "))
    assert stages == {name: "1" for name, _, _ in STAGES}


def test_an_absolute_contraindication_is_overridden_by_two_different_clinicians(small: CarePlan) -> None:
    absolute = small.protocol("ketamine-trd").contraindications.absolute
    cleared = []
    for journey, history in every_history(small).items():
        overrides = [f for f in history if f.type == "ContraindicationOverridden" and f.data["finding"] in absolute]
        if len({f.actor.id for f in overrides}) >= 2:
            assert all(f.actor.role == "clinician" and f.reason for f in overrides)
            view = small.view(journey, now=NOW_AT)[1]
            assert not view.steps["contraindication_screening"].has_flag("contraindication")
            assert any(f.type == "InfusionCompleted" and f.version > overrides[-1].version for f in history)
            cleared.append(journey)
    assert cleared


def test_a_madrs_item_10_raises_a_self_harm_alert_worked_with_a_risk_and_a_plan(small: CarePlan) -> None:
    threshold = small.protocol("ketamine-trd").assessments.madrs_item10_alert_at_least
    worked = []
    for history in every_history(small).values():
        for fact in history:
            if fact.type != "AssessmentRecorded" or fact.data["instrument"] != "MADRS":
                continue
            assert len(fact.data["items"]) == 10 and sum(fact.data["items"]) == fact.data["total"]
            if fact.data["items"][9] < threshold:
                continue
            alert = history[fact.version]  # raised in the same save, the version after
            assert (alert.type, alert.data["kind"], alert.data["source_version"]) == (
                "SafetyAlertRaised", "self_harm", fact.version,
            )
            acks = [f for f in history if f.type == "SafetyAlertAcknowledged" and f.data["alert_version"] == alert.version]
            assert acks and all(a.data["plan"] and a.data["risk_assessment"] in ("low", "moderate", "high") for a in acks)
            assert acks[-1].data["risk_assessment"] != "high"
            worked.append(alert)
    assert worked


def test_a_second_course_names_the_closed_first_course_of_the_same_patient(small: CarePlan) -> None:
    histories = every_history(small)
    seconds = [(one, h) for one, h in histories.items() if h[0].data.get("previous_journey_id")]
    assert seconds
    for journey, history in seconds:
        previous = UUID(history[0].data["previous_journey_id"])
        first = histories[previous]
        ref = history[0].data["patient_ref"]
        assert first[0].data["patient_ref"] == ref
        assert first[-1].type == "JourneyClosed" and first[-1].occurred_at <= history[0].occurred_at
        index = small.patient_index(ref)
        assert index is not None and index.open_journey == journey and index.journeys == [previous, journey]
        assert small.courses(small.get(journey)) == (previous, None)
        assert small.courses(small.get(previous)) == (None, journey)  # the timeline's "Next course"
    open_refs = [h[0].data["patient_ref"] for one, h in histories.items() if h[-1].type != "JourneyClosed"]
    assert len(open_refs) == len(set(open_refs)), "one open journey per patient reference"
    for ref in open_refs:
        index = small.patient_index(ref)
        assert index is not None and index.open_journey is not None


def test_a_deviation_is_recorded_and_the_deviations_worklist_is_not_empty(small: CarePlan) -> None:
    listed = read_side_for(small).worklist("deviations", NOW_AT)
    assert listed.total >= 1
    for summary in listed.items:
        deviated = [f for f in small.history(summary.journey_id) if f.deviation]
        assert deviated and all(f.deviated for f in deviated)
        view = small.view(summary.journey_id, now=NOW_AT)[1]
        assert any(step.has_flag("deviation") for step in view.steps.values())


def test_a_patient_still_in_the_chair_waits_for_discharge_on_the_blocked_worklist(small: CarePlan) -> None:
    blocked = read_side_for(small).worklist("blocked", NOW_AT)
    pending = [
        s for s in blocked.items
        if any(kind == "discharge_pending" for kind, _ in s.steps["induction"].flags)
    ]
    assert pending
    history = small.history(pending[0].journey_id)
    last_infusion = max(f.version for f in history if f.type == "InfusionCompleted")
    assert not [f for f in history if f.type == "DischargeAssessed" and f.version > last_infusion]


def test_a_contraindication_found_mid_series_blocks_the_rest_and_stops_its_reminders(small: CarePlan) -> None:
    found = []
    for journey, history in every_history(small).items():
        screenings = [f for f in history if f.type == "ContraindicationScreened"]
        infused = [f for f in history if f.type == "InfusionCompleted"]
        if len(screenings) > 1 and screenings[-1].data["findings"] and infused and infused[0].version < screenings[-1].version:
            view = small.view(journey, now=NOW_AT)[1]
            assert view.steps["induction"].has_flag("blocked")
            assert not [f for f in history if f.type == "ReminderIssued" and f.version > screenings[-1].version]
            found.append(journey)
    assert found
    blocked = {s.journey_id for s in read_side_for(small).worklist("blocked", NOW_AT).items}
    assert set(found) <= blocked


def test_the_chairs_other_situations_are_in_the_cohort(small: CarePlan) -> None:
    """A stopped infusion with its vitals alert worked, and every infusion after pre-infusion vitals."""
    kinds: set[str] = set()
    for history in every_history(small).values():
        for fact in history:
            if fact.type == "InfusionStopped":
                kinds.add("stopped")
            if fact.type == "SafetyAlertRaised" and fact.data["kind"] == "vitals":
                kinds.add("vitals_alert")
    assert {"stopped", "vitals_alert"} <= kinds


def test_a_missed_booking_is_recorded_as_the_scheduler_records_it_and_another_is_cancelled_by_name(
    small: CarePlan,
) -> None:
    missed_after = timedelta(hours=small.protocol("ketamine-trd").appointments.missed_after_hours)
    missed, cancelled = [], []
    for history in every_history(small).values():
        for fact in history:
            if fact.type == "AppointmentMissed":
                booked = history[fact.data["scheduled_version"] - 1]
                assert booked.type == "InfusionScheduled" and fact.actor.role == "system"
                assert fact.data["key"] == f"missed:{booked.version}"
                assert fact.occurred_at == booked.data["scheduled_for"] + missed_after
                assert not any(
                    f.type == "InfusionCompleted" and booked.data["scheduled_for"] <= f.occurred_at < fact.occurred_at
                    for f in history
                )
                missed.append(fact)
            if fact.type == "InfusionCancelled" and fact.data.get("scheduled_version"):
                assert history[fact.data["scheduled_version"] - 1].type == "InfusionScheduled" and fact.reason
                cancelled.append(fact)
    assert missed and cancelled


def test_a_tick_after_the_demo_records_no_missed_booking_twice(capsys, smallest: str, tmp_path: Path, monkeypatch) -> None:
    copy = tmp_path / "copy.sqlite"
    with sqlite3.connect(smallest.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # with what is still in the write-ahead log
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", store_url(copy))
    app = build_app()
    try:
        by_demo = {(one, f.data["key"]) for one in app.journey_ids() for f in app.history(one) if f.type == "AppointmentMissed"}
    finally:
        app.close()
    assert by_demo
    for _ in range(2):
        ran = careplan(capsys, "tick", "--now", NOW)
        assert ran.code == 0, ran.err
        ticked = {(UUID(line.split()[0]), line.split()[2]) for line in ran.out.splitlines() if " AppointmentMissed " in line}
        assert not ticked & by_demo
    app = build_app()
    try:
        for one in app.journey_ids():
            keys = [f.data["key"] for f in app.history(one) if f.type == "AppointmentMissed"]
            assert len(keys) == len(set(keys))
    finally:
        app.close()


def test_the_cohort_charts_some_readings_late_and_corrects_some_without_troubling_its_stories(reader: CarePlan) -> None:
    """Readings typed up after the infusion stand where they were taken (DESIGN 7.1); some are marked
    as entered in error; none of it takes away what an infusion stood on (no retrospective alert)."""
    from web.journeys.timeline import charted_late

    late, corrected_late = 0, 0
    for one in reader.journey_ids():
        history = reader.history(one)
        found = charted_late(history)
        late += len(found)
        corrected_late += sum(1 for f in history if f.type == "EventEnteredInError" and f.data["target_version"] in found)
        assert not [f for f in history if f.type == "SafetyAlertRaised" and f.data["kind"] == "retrospective"]
        journey = reader.get(one)
        assert journey.chart == fold_facts(history)  # the record is the fold in clinical order
    assert late > 0 and corrected_late > 0
