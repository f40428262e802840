"""Moving a journey to another protocol version: the report says what would change, and a change that
lowers a guard on care is recorded only when confirmed (DESIGN 7.6). Each case is one of the issue's:
a series that a shorter version completes at once, a hold that would vanish, an absolute finding that
a version calls relative, a closed journey, and going back a version."""

from __future__ import annotations

from dataclasses import replace

import pytest

from careplan.domain.errors import NotAllowed, RuleViolation
from careplan.domain.migration import MigrationNeedsConfirmation, MigrationReport
from careplan.domain.protocol import ContraindicationSettings, Protocol
from careplan.domain.values import Actor
from events.protocol_file import default_protocols
from tests.unit.journeys import CLINICIAN, Journey, default_protocol, with_settings

V2 = default_protocols(open_on="").get("ketamine-trd", 2)
FOUR = replace(with_settings(default_protocol(), induction={"infusions": 4}), version=3)
"""A clinic's version with a 4-infusion series (and nothing else changed)."""
ABSOLUTE = "psychotic_disorder"
RELATIVE_THERE = replace(
    default_protocol(),
    version=4,
    contraindications=ContraindicationSettings(
        absolute=tuple(c for c in default_protocol().contraindications.absolute if c != ABSOLUTE),
        relative=(*default_protocol().contraindications.relative, ABSOLUTE),
    ),
)


def journey(*more: Protocol) -> Journey:
    j = Journey()
    for protocol in (V2, FOUR, RELATIVE_THERE, *more):
        j.protocols[protocol.key] = protocol
    return j


def dry_run(j: Journey, to: Protocol, reason: str = "Clinic adopted the new version") -> MigrationReport:
    version = j.version
    report = j.aggregate.migration_report(to, actor=CLINICIAN, reason=reason, now=j.now, resolve=j.resolve)
    assert j.version == version  # a dry run records nothing
    return report


def migrate(j: Journey, to: Protocol, confirm: bool = False, reason: str = "Clinic adopted the new version") -> MigrationReport:
    report = j.aggregate.migrate(to, actor=CLINICIAN, reason=reason, now=j.now, resolve=j.resolve, confirm=confirm)
    j.collect()
    return report


def kinds(report: MigrationReport) -> set[str]:
    return {c.kind for c in report.changes}


def test_five_infusions_moved_to_a_four_infusion_version_needs_confirming_the_completed_series() -> None:
    j = journey()
    j.ready_for_induction().induction(5)
    report = dry_run(j, FOUR)
    assert {"series_target", "series_completed"} <= kinds(report)
    assert report.needs_confirmation
    steps = {c.subject: (c.before, c.after) for c in report.changes if c.kind == "step_status"}
    assert steps["induction"] == ("in-progress", "completed")
    assert steps["response_check"] == ("requested", "ready")
    with pytest.raises(MigrationNeedsConfirmation) as refused:
        migrate(j, FOUR)
    assert refused.value.code == "migration_needs_confirmation"
    assert any("complete at once" in s for s in refused.value.errors["confirm"])
    assert j.aggregate.protocol_version == 1 and j.last("JourneyOpened")  # nothing recorded
    migrate(j, FOUR, confirm=True)
    view = j.view()
    assert (view.steps["induction"].status, view.induction_target) == ("completed", 4)
    fact = j.last("ProtocolMigrated")
    assert "series_completed" in fact.data["confirmed"] and fact.data["changes"]
    assert fact.reason == "Clinic adopted the new version"


def test_a_hold_the_migration_would_lift_is_named_and_needs_confirming() -> None:
    j = journey()
    j.ready_for_induction().induction(5)
    j.advance(hours=48)
    j.vitals(150, 95)
    assert j.view().steps["induction"].status == "on-hold"
    report = dry_run(j, FOUR)
    lifted = [c for c in report.changes if c.kind == "hold_lifted"]
    assert lifted and lifted[0].subject == "induction" and lifted[0].needs_confirmation


def test_an_absolute_finding_overridden_once_that_a_version_calls_relative_needs_confirming() -> None:
    j = journey()
    j.consult()
    j.advance(days=1)
    j.screen(ABSOLUTE)
    j.override(ABSOLUTE)  # one clinician: an absolute finding stays open
    assert ABSOLUTE in j.record_of().open_findings()
    report = dry_run(j, RELATIVE_THERE)
    found = {c.kind: c for c in report.changes if c.subject == ABSOLUTE}
    assert (found["finding_reclassified"].before, found["finding_reclassified"].after) == ("absolute", "relative")
    assert "finding_cleared" in found
    with pytest.raises(MigrationNeedsConfirmation):
        migrate(j, RELATIVE_THERE)
    migrate(j, RELATIVE_THERE, confirm=True)
    assert j.record_of().open_findings() == []


def test_a_closed_journey_is_not_migrated() -> None:
    j = journey()
    j.close("other")
    for attempt in (dry_run, migrate):
        with pytest.raises(RuleViolation) as refused:
            attempt(j, V2)
        assert refused.value.code == "journey_closed"


def test_a_migration_needs_a_reason_and_a_clinician() -> None:
    j = journey()
    with pytest.raises(RuleViolation) as refused:
        migrate(j, V2, reason="  ")
    assert refused.value.code == "reason_required"
    with pytest.raises(NotAllowed):
        j.aggregate.migrate(V2, actor=Actor("coord", "coordinator"), reason="x", now=j.now, resolve=j.resolve)


def test_going_back_a_version_is_a_guarded_migration_like_any_other() -> None:
    j = journey()
    migrate(j, V2)
    j.consult()
    j.advance(days=1)
    j.record("ConsentRecorded", {"form_version": "2026-01", "signed": True})
    report = dry_run(j, default_protocol())
    dropped = [c for c in report.changes if c.kind == "step_dropped"]
    assert [c.subject for c in dropped] == ["consent"]
    with pytest.raises(MigrationNeedsConfirmation):
        migrate(j, default_protocol())
    migrate(j, default_protocol(), confirm=True, reason="Consent form moved out of the protocol")
    assert j.aggregate.protocol_version == 1 and "consent" not in j.view().steps


def test_adding_labs_and_consent_mid_series_stops_the_view_offering_the_next_infusion() -> None:
    """The issue's finding: after a migration that adds labs, the view offered 'Give induction infusion
    2 of 4' while the engine refused it (``labs_pending``)."""
    j = journey()
    j.ready_for_induction().induction(2)
    report = dry_run(j, V2)
    assert "new_prerequisite" in kinds(report) and not report.needs_confirmation
    assert {c.subject for c in report.changes if c.kind == "step_added"} == {"consent"}
    migrate(j, V2)
    j.advance(hours=48)
    actions = j.view().next_actions
    assert not any(a.action.startswith("Give induction infusion") for a in actions)
    first = next(a for a in actions if a.step == "induction")
    assert first.action.startswith("Before the next infusion: ")
    j.vitals()
    j.refused("consent_missing", "InfusionCompleted", j.infusion_data())
    assert j.view().steps["induction"].has_flag("blocked")


def test_the_dry_run_names_every_step_whose_status_the_migration_changes_and_nothing_else() -> None:
    for stage in range(0, 7):
        j = journey()
        if stage:
            j.ready_for_induction().induction(stage - 1)
        before = j.view()
        report = dry_run(j, V2)
        migrate(j, V2, confirm=True)
        after = j.view()
        changed = {
            name for name in {*before.steps, *after.steps}
            if (before.steps.get(name) and before.steps[name].status) != (after.steps.get(name) and after.steps[name].status)
        }
        named = {c.subject for c in report.changes if c.kind in ("step_status", "step_added", "step_dropped", "step_removed")}
        assert named == changed, stage


def test_adding_labs_to_maintenance_stops_the_view_offering_the_next_maintenance_infusion() -> None:
    steps = tuple(
        replace(s, requires=(*s.requires, "lab_screening")) if s.name == "maintenance" else s for s in default_protocol().steps
    )
    repeat_labs = replace(default_protocol(), version=8, steps=steps)
    j = journey(repeat_labs)
    j.into_maintenance()
    j.advance(weeks=4)  # past the spacing from the last induction infusion: the next one is offered
    assert any(a.action.startswith("Give the next maintenance infusion") for a in j.view().next_actions)
    migrate(j, repeat_labs)
    actions = j.view().next_actions
    assert not any(a.action.startswith("Give the next maintenance infusion") for a in actions)
    assert any(a.step == "maintenance" and a.action.startswith("Before the next infusion: Lab results") for a in actions)
    j.vitals()
    j.refused("labs_pending", "InfusionCompleted", j.infusion_data("maintenance"))
