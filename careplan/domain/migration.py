"""What moving a journey to another version of its protocol would change, judged before it is done.

A migration changes care: a shorter series may be complete at once, a finding may change class, a
hold may no longer hold, a step with a history may leave the plan (DESIGN 7.6). The report is the
difference between the journey's view under the version it is on and under the target version, read
off the same record at the same moment, so every door (the CLI, the API, the page) shows the same
report and the aggregate refuses on it: a change that lowers the guard on care needs ``confirm``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from careplan.domain.errors import RuleViolation
from careplan.domain.families.infusion import induction_blockers
from careplan.domain.protocol import Protocol
from careplan.domain.record import ClinicalRecord
from careplan.domain.view import JourneyView, evaluate

CONFIRM = frozenset({"series_completed", "finding_cleared", "finding_reclassified", "hold_lifted", "step_dropped"})
"""The kinds of change that need ``confirm`` (with the reason): each lowers a guard on the patient's care."""


@dataclass(frozen=True)
class Change:
    """One thing the migration changes: ``kind`` (a code), ``subject`` (a step, a finding, ...), the
    values before and after, and a sentence a clinician reads."""

    kind: str
    subject: str
    before: Any
    after: Any
    sentence: str

    @property
    def needs_confirmation(self) -> bool:
        return self.kind in CONFIRM

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "before": self.before,
            "after": self.after,
            "sentence": self.sentence,
            "needs_confirmation": self.needs_confirmation,
        }


@dataclass(frozen=True)
class MigrationReport:
    """What moving one journey from ``from_version`` to ``to_version`` would change, at ``judged_at``."""

    protocol: str
    from_version: int
    to_version: int
    judged_at: datetime
    changes: tuple[Change, ...] = field(default=())

    @property
    def confirmations(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.needs_confirmation)

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.confirmations)

    def as_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "judged_at": self.judged_at.isoformat(),
            "needs_confirmation": self.needs_confirmation,
            "changes": [c.as_dict() for c in self.changes],
        }


class MigrationNeedsConfirmation(RuleViolation):
    """The migration would lower a guard on care: it is recorded only with ``confirm`` and a reason."""

    def __init__(self, report: MigrationReport) -> None:
        sentences = [c.sentence for c in report.confirmations]
        super().__init__(
            "migration_needs_confirmation",
            "This migration needs confirming (with the reason): " + " ".join(sentences),
        )
        self.report = report
        self.errors = {"confirm": sentences}


def check_migration(record: ClinicalRecord, to: Protocol, reason: str | None) -> None:
    """The guards every migration meets, dry run or not, before any report is made."""
    if record.closed is not None:
        raise RuleViolation("journey_closed", "The journey is closed: it stays on the version it closed on.")
    if to.id != record.protocol_id:
        raise RuleViolation(
            "migration_other_protocol", f"A journey on {record.protocol_id} moves only to another version of it."
        )
    if to.version == record.protocol_version:
        raise RuleViolation("migration_not_needed", f"The journey is on version {to.version} already.")
    if not (reason and reason.strip()):
        raise RuleViolation("reason_required", "A migration needs a reason.")


def report(record: ClinicalRecord, to: Protocol, now: datetime) -> MigrationReport:
    """What moving the (bound) record to ``to`` would change if it were done at ``now``."""
    after = moved(record, to)
    before_view, after_view = evaluate(record, now), evaluate(after, now)
    changes = [
        *_series(record, after, before_view, after_view),
        *_window(record, after),
        *_steps(record, before_view, after_view),
        *_holds(before_view, after_view),
        *_findings(record, after),
        *_prerequisites(record, after, now),
        *_alerts(before_view, after_view),
    ]
    return MigrationReport(record.protocol_id, record.protocol_version, to.version, now, tuple(changes))


def moved(record: ClinicalRecord, to: Protocol) -> ClinicalRecord:
    """The same record read under ``to``: what the fold of ``ProtocolMigrated`` gives."""
    after = record.copy()
    after.protocol_version = to.version
    earlier = record.resolve

    def resolve(protocol_id: str, version: int) -> Protocol:
        if (protocol_id, version) == to.key:
            return to
        if earlier is None:
            return record.protocol
        return earlier(protocol_id, version)

    return after.bind(resolve)


def _series(r: ClinicalRecord, a: ClinicalRecord, bv: JourneyView, av: JourneyView) -> list[Change]:
    changes = []
    done = len(r.induction_infusions())
    if bv.induction_target != av.induction_target:
        changes.append(Change(
            "series_target", "induction", bv.induction_target, av.induction_target,
            f"The induction series becomes {av.induction_target} infusions instead of {bv.induction_target} "
            f"({done} given).",
        ))
    if not r.induction_complete() and a.induction_complete() and done:
        changes.append(Change(
            "series_completed", "induction", f"{done} of {bv.induction_target}", f"{done} of {av.induction_target}",
            f"The induction series would be complete at once with {done} infusions: the response check falls due.",
        ))
    return changes


def _window(r: ClinicalRecord, a: ClinicalRecord) -> list[Change]:
    before, after = r.protocol.induction, a.protocol.induction
    changes = []
    if before.window_days != after.window_days:
        end = a.induction_window_end()
        until = f" (until {end:%Y-%m-%d})" if end else ""
        changes.append(Change(
            "window", "induction", before.window_days, after.window_days,
            f"The induction window becomes {after.window_days} days instead of {before.window_days}{until}.",
        ))
    if before.min_spacing_hours != after.min_spacing_hours:
        changes.append(Change(
            "spacing", "induction", before.min_spacing_hours, after.min_spacing_hours,
            f"Infusions must start {after.min_spacing_hours} h apart instead of {before.min_spacing_hours} h.",
        ))
    return changes


def _steps(r: ClinicalRecord, bv: JourneyView, av: JourneyView) -> list[Change]:
    changes = []
    for name in [*bv.steps, *(n for n in av.steps if n not in bv.steps)]:
        before, after = bv.steps.get(name), av.steps.get(name)
        words = name.replace("_", " ")
        if after is None:
            assert before is not None
            kind = "step_dropped" if has_events(r, name) else "step_removed"
            changes.append(Change(
                kind, name, before.status, None,
                f"The {words} step leaves the plan" + (" (it has recorded events)." if kind == "step_dropped" else "."),
            ))
        elif before is None:
            changes.append(Change("step_added", name, None, after.status, f"The {words} step is added ({after.status})."))
        elif before.status != after.status:
            changes.append(Change(
                "step_status", name, before.status, after.status,
                f"The {words} step goes from {before.status} to {after.status}.",
            ))
    return changes


def has_events(r: ClinicalRecord, step: str) -> bool:
    """Whether the record holds events of a step a protocol may leave out."""
    if step == "consent":
        return r.consent is not None
    if step == "lab_screening":
        return bool(r.labs_ordered or r.labs_resulted)
    if step == "complementary_care":
        return bool(r.guidance or r.last_check_in)
    return True


def _holds(bv: JourneyView, av: JourneyView) -> list[Change]:
    def holds(view: JourneyView) -> dict[str, str]:
        return {name: f.reason for name, step in view.steps.items() for f in step.flags if f.kind == "hold"}

    before, after = holds(bv), holds(av)
    changes = []
    for step, reason in before.items():
        if step not in after:
            changes.append(Change("hold_lifted", step, reason, None, f"The blood-pressure hold would be lifted: {reason}"))
    for step, reason in after.items():
        if step not in before:
            changes.append(Change("hold_added", step, None, reason, f"A blood-pressure hold would apply: {reason}"))
    return changes


def _class(protocol: Protocol, code: str) -> str:
    c = protocol.contraindications
    return "absolute" if code in c.absolute else "relative" if code in c.relative else "unknown"


def _findings(r: ClinicalRecord, a: ClinicalRecord) -> list[Change]:
    listed = [str(f) for f in r.screening.payload.findings] if r.screening else []
    codes = list(dict.fromkeys([*listed, *r.overrides, *r.clearing]))
    open_before, open_after = set(r.open_findings()), set(a.open_findings())
    changes = []
    for code in codes:
        words = code.replace("_", " ")
        was, becomes = _class(r.protocol, code), _class(a.protocol, code)
        if was != becomes:
            changes.append(Change(
                "finding_reclassified", code, was, becomes, f"The finding {words} changes from {was} to {becomes}.",
            ))
        if code in open_before and code not in open_after:
            changes.append(Change(
                "finding_cleared", code, "open", "cleared", f"The open finding {words} would be cleared.",
            ))
        elif code in open_after and code not in open_before:
            changes.append(Change("finding_opened", code, "cleared", "open", f"The finding {words} would be open again."))
    return changes


def _prerequisites(r: ClinicalRecord, a: ClinicalRecord, now: datetime) -> list[Change]:
    before = {sentence for _code, sentence in induction_blockers(r, now)}
    changes = []
    for code, sentence in induction_blockers(a, now):
        if sentence not in before and not r.induction_complete():
            changes.append(Change("new_prerequisite", code, None, sentence, f"Induction would wait: {sentence}"))
    return changes


def _alerts(bv: JourneyView, av: JourneyView) -> list[Change]:
    before = {a.version for a in bv.open_alerts}
    after = {a.version for a in av.open_alerts}
    changes = []
    if before != after:
        changes.append(Change(
            "alerts", "alerts", sorted(before), sorted(after),
            f"Open safety alerts go from {len(before)} to {len(after)}.",
        ))
    return changes
