"""Migrations through the application on SQLite and PostgreSQL (DESIGN 7.6): for each kind of change a
migration can make (series target, window, hold thresholds, a finding's class, a new prerequisite, a
step added or left out), a journey at every stage of the protocol is moved, and the dry run's report
is checked against the state after the real migration: the report named every change the migration
made, and nothing else. The journey is then loaded again from the store (and its snapshot) to show
the migration replays to the same state."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from careplan.application import CarePlan
from careplan.domain.protocol import ContraindicationSettings, Protocol, ProtocolRegistry
from careplan.domain.values import Actor
from careplan.domain.view import JourneyView
from events.protocol_file import default_protocols
from tests.conftest import Clock
from tests.examples import VALID_DATA
from tests.unit.journeys import phq9_items, with_settings

CLINICIAN = Actor("dr-mig", "clinician")
SECOND = Actor("dr-two", "clinician")
V1 = default_protocols(open_on="").get("ketamine-trd", 1)
V2 = default_protocols(open_on="").get("ketamine-trd", 2)
TARGETS: dict[str, Protocol] = {
    "series_target": replace(with_settings(V1, induction={"infusions": 3}), version=3),
    "window": replace(with_settings(V1, induction={"window_days": 3, "min_spacing_hours": 24}), version=4),
    "hold_thresholds": replace(with_settings(V1, safety={"bp_hold_systolic": 160, "bp_hold_diastolic": 100}), version=5),
    "finding_class": replace(
        V1, version=6,
        contraindications=ContraindicationSettings(
            absolute=tuple(c for c in V1.contraindications.absolute if c != "psychotic_disorder"),
            relative=(*V1.contraindications.relative, "psychotic_disorder"),
        ),
    ),
    "new_prerequisite_and_step_added": V2,
    "step_left_out": replace(
        V1, version=7, steps=tuple(s for s in V1.steps if s.name != "complementary_care"),
    ),
}
STAGES = ("opened", "consulted", "found", "ready", "one_infusion", "held", "four_infusions", "complete", "maintenance")
PRE = {"phase": "pre", "systolic": 120, "diastolic": 80, "heart_rate": 70}


@pytest.fixture
def migrating(make_app: Any, store_url: str, clock: Clock) -> CarePlan:
    registry = ProtocolRegistry([V1, V2, *TARGETS.values()])
    registry.open_on("ketamine-trd", 1)
    app: CarePlan = make_app(store_url, clock=clock)
    app.protocols = registry
    return app


def record(app: CarePlan, journey: UUID, event_type: str, data: dict[str, Any], **kw: Any) -> None:
    app.record(journey, event_type, data, actor=kw.pop("actor", CLINICIAN), **kw)


def infusion(app: CarePlan, clock: Clock, journey: UUID, systolic: int = 120) -> None:
    now = clock()
    record(app, journey, "VitalsRecorded", {**PRE, "systolic": systolic}, occurred_at=now - timedelta(minutes=45))
    record(app, journey, "InfusionCompleted", {**VALID_DATA["InfusionCompleted"], "duration_min": 40})
    clock.advance(minutes=45)
    record(app, journey, "VitalsRecorded", {**PRE, "phase": "post"})
    record(app, journey, "DischargeAssessed", VALID_DATA["DischargeAssessed"])
    clock.advance(hours=48)


def at_stage(app: CarePlan, clock: Clock, stage: str, n: int) -> UUID:
    """A journey at one stage of the protocol (each stage builds on the one before)."""
    journey = app.open_journey(f"MRN-MIG-{stage}-{n}", actor=CLINICIAN, occurred_at=clock() - timedelta(days=30))
    order = STAGES.index(stage)
    if order >= 1:
        record(app, journey, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"])
        record(app, journey, "ComplementaryCareGuidanceGiven", VALID_DATA["ComplementaryCareGuidanceGiven"])
    if order >= 2:
        record(app, journey, "MedicationReviewed", VALID_DATA["MedicationReviewed"])
        record(app, journey, "ContraindicationScreened", {"findings": ["psychotic_disorder"]})
        record(app, journey, "ContraindicationOverridden", {"finding": "psychotic_disorder"}, reason="Reviewed")
    if order >= 3:
        record(app, journey, "ContraindicationOverridden", {"finding": "psychotic_disorder"}, reason="Agree", actor=SECOND)
        baseline = {"instrument": "PHQ9", "total": 20, "items": phq9_items(20), "context": "baseline"}
        record(app, journey, "AssessmentRecorded", baseline)
        clock.advance(days=1)
    if order >= 4:
        infusion(app, clock, journey)
    if order >= 5:
        now = clock()
        record(app, journey, "VitalsRecorded", {**PRE, "systolic": 150, "diastolic": 95}, occurred_at=now - timedelta(minutes=45))
    if order >= 6:
        record(app, journey, "InfusionHeld", {"phase": "induction"}, reason="BP")
        clock.advance(hours=2)
        for _ in range(3):
            infusion(app, clock, journey)
    if order >= 7:
        infusion(app, clock, journey)
        infusion(app, clock, journey)
    if order >= 8:
        response = {"instrument": "PHQ9", "total": 6, "items": phq9_items(6), "context": "response_check"}
        record(app, journey, "AssessmentRecorded", response)
        record(app, journey, "ResponseReviewed", {"decision": "maintenance"})
    return journey


def observed(view: JourneyView) -> dict[str, Any]:
    """What a report speaks of, read off a view: step statuses, the series' target, holds, blockers."""
    return {
        "steps": {name: step.status for name, step in view.steps.items()},
        "target": view.induction_target,
        "holds": {name for name, step in view.steps.items() if step.has_flag("hold")},
        "alerts": sorted(a.version for a in view.open_alerts),
    }


@pytest.mark.parametrize("change", sorted(TARGETS))
def test_the_dry_run_names_every_change_the_migration_makes_at_every_stage(
    migrating: CarePlan, clock: Clock, change: str
) -> None:
    to = TARGETS[change]
    for n, stage in enumerate(STAGES):
        journey = at_stage(migrating, clock, stage, n)
        _, before = migrating.view(journey)
        open_before = set(migrating.get(journey).clinical_record(migrating.protocol).open_findings())
        report = migrating.migration_report(journey, to.version, actor=CLINICIAN, reason="Clinic adopted it")
        version, recorded = migrating.migrate_with_report(
            journey, to.version, actor=CLINICIAN, reason="Clinic adopted it", confirm=True
        )
        assert recorded == replace(report, judged_at=recorded.judged_at), (change, stage)
        _, after = migrating.view(journey)
        old, new = observed(before), observed(after)
        kinds = {c.kind for c in report.changes}
        steps_named = {c.subject for c in report.changes if c.kind.startswith("step_")}
        changed_steps = {k for k in {*old["steps"], *new["steps"]} if old["steps"].get(k) != new["steps"].get(k)}
        assert steps_named == changed_steps, (change, stage)
        assert ("series_target" in kinds) == (old["target"] != new["target"]), (change, stage)
        assert {c.subject for c in report.changes if c.kind == "hold_lifted"} == old["holds"] - new["holds"], stage
        assert {c.subject for c in report.changes if c.kind == "hold_added"} == new["holds"] - old["holds"], stage
        assert ("alerts" in kinds) == (old["alerts"] != new["alerts"]), (change, stage)
        open_after = set(migrating.get(journey).clinical_record(migrating.protocol).open_findings())
        assert {c.subject for c in report.changes if c.kind == "finding_cleared"} == open_before - open_after, stage
        assert {c.subject for c in report.changes if c.kind == "finding_opened"} == open_after - open_before, stage
        assert migrating.get(journey).protocol_version == to.version and version == migrating.get(journey).version
        migrating.take_snapshot(journey)
        assert migrating.view(journey)[1].steps == after.steps  # reloaded from its snapshot: the same


def test_a_change_that_lowers_a_guard_is_refused_without_confirm_and_records_nothing(
    migrating: CarePlan, clock: Clock
) -> None:
    from careplan.domain.migration import MigrationNeedsConfirmation

    journey = at_stage(migrating, clock, "four_infusions", 0)
    version = migrating.get(journey).version
    with pytest.raises(MigrationNeedsConfirmation) as refused:
        migrating.migrate(journey, 3, actor=CLINICIAN, reason="Shorter series")
    assert "series_completed" in {c.kind for c in refused.value.report.confirmations}
    assert migrating.get(journey).version == version
