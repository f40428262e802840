"""What the scheduler records as time passes: steps falling due and overdue, reminders.

Each carries a deterministic ``key`` (what it is about and the due moment it announces); the record
keeps the keys, so a duty is recorded once however many schedulers sweep. ``due_at`` is kept as the
ISO string it has always been stored as.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from careplan.domain.about import SCHEDULER, About
from careplan.domain.family import event, folds
from careplan.domain.payload import Payload, at_least, text
from careplan.domain.record import ClinicalRecord
from careplan.domain.values import Fact


@event
@dataclass(frozen=True)
class StepBecameDue(Payload):
    about = About(by=SCHEDULER, correctable=False, any_order=True)
    step: str = field(metadata=text(64))
    due_at: str = field(metadata=text(64))
    key: str = field(metadata=text(400))


@event
@dataclass(frozen=True)
class StepOverdue(Payload):
    about = About(by=SCHEDULER, correctable=False, any_order=True)
    step: str = field(metadata=text(64))
    due_at: str = field(metadata=text(64))
    key: str = field(metadata=text(400))


@event
@dataclass(frozen=True)
class ReminderIssued(Payload):
    about = About(by=SCHEDULER, correctable=False, any_order=True)
    kind: str = field(metadata=text(64))
    step: str = field(metadata=text(64))
    due_at: str = field(metadata=text(64))
    key: str = field(metadata=text(400))
    phase: str | None = field(default=None, metadata=text(64))
    appointment_version: int | None = field(default=None, metadata=at_least(1))


def _keep_key(r: ClinicalRecord, p: StepBecameDue | StepOverdue | ReminderIssued, f: Fact) -> None:
    r.system_keys.add(p.key)


folds(StepBecameDue)(_keep_key)
folds(StepOverdue)(_keep_key)
folds(ReminderIssued)(_keep_key)
