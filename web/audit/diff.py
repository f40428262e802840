"""What changed between two states of a journey, step by step, in words an auditor can quote."""

from __future__ import annotations

from dataclasses import dataclass, field

from careplan.domain.view import JourneyView, StepView
from web.clinic import when


@dataclass(frozen=True)
class Change:
    subject: str
    before: str
    after: str


@dataclass
class StepDiff:
    name: str
    title: str
    changes: list[Change] = field(default_factory=list)


def _due(step: StepView) -> str:
    return when(step.due_at) if step.due_at else "—"


def _flags(step: StepView) -> set[str]:
    return {f"{f.kind}: {f.reason}" for f in step.flags}


def compare_steps(before: JourneyView, after: JourneyView) -> list[StepDiff]:
    """Only the steps that differ, with each differing attribute."""
    diffs = []
    for name, new in after.steps.items():
        old = before.steps.get(name)
        diff = StepDiff(name, new.title)
        if old is None:
            diff.changes.append(Change("status", "—", new.status))
        else:
            if old.status != new.status:
                diff.changes.append(Change("status", old.status, new.status))
            if _due(old) != _due(new):
                diff.changes.append(Change("due", _due(old), _due(new)))
            for gone in sorted(_flags(old) - _flags(new)):
                diff.changes.append(Change("flag cleared", gone, "—"))
            for added in sorted(_flags(new) - _flags(old)):
                diff.changes.append(Change("flag raised", "—", added))
        if diff.changes:
            diffs.append(diff)
    return diffs


def compare_journey(before: JourneyView, after: JourneyView) -> list[Change]:
    """The journey-wide differences: status, outcome, induction count, open alerts."""
    pairs = (
        ("status", before.status, after.status),
        ("induction infusions", before.induction_done, after.induction_done),
        ("maintenance infusions", before.maintenance_done, after.maintenance_done),
        ("PHQ-9 latest", before.outcome.phq9_latest, after.outcome.phq9_latest),
        ("response", before.outcome.classification, after.outcome.classification),
        ("open safety alerts", len(before.open_alerts), len(after.open_alerts)),
    )
    return [Change(name, _text(old), _text(new)) for name, old, new in pairs if old != new]


def _text(value: object) -> str:
    return "—" if value is None else str(value)
