"""What the scheduler owes a journey at a moment: the system events that time passing calls for.

Pure and deterministic: every duty carries a ``key`` made of what it is about and the due moment it
announces (``due:induction:2026-03-09T09:00:00+00:00``), and the aggregate records a key only once, so
any number of sweeps, by any number of schedulers, after any downtime, record each duty exactly once.
A duty's ``occurred_at`` is the moment it fell due, never the sweep's time, so a sweep that runs late
(after a crash or a weekend off) writes the same events a punctual one would have written.

``next_duty_at`` says when the next duty appears, so the due index lets a sweep touch only the journeys
that owe something by now.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from careplan.domain.families.appointments import missed_at, missed_key
from careplan.domain.message_duties import message_duties
from careplan.domain.record import ClinicalRecord
from careplan.domain.view import OPEN, JourneyView, evaluate, overdue_after

DUE_LEAD = timedelta(hours=24)
"""A step "becomes due" on the day of its due date: 24 hours before the due moment."""

_RECHECK = timedelta(seconds=1)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Duty:
    type: str  # one of SYSTEM_EVENTS
    occurred_at: datetime
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return str(self.data["key"])


def duties(record: ClinicalRecord, view: JourneyView, now: datetime) -> list[Duty]:
    """The system events owed by ``now`` and not yet recorded, oldest first."""
    if view.status == "closed":
        return []
    owed = [d for d in _candidates(record, view, now) if owed_from(d) <= now and d.key not in record.system_keys]
    return sorted(owed, key=lambda d: (d.occurred_at, d.key))


def next_duty_at(record: ClinicalRecord, view: JourneyView, now: datetime) -> datetime | None:
    """The earliest moment at which a duty not yet recorded is owed (at or before ``now`` if one is
    owed already); None when nothing will fall due without a new event.

    The view changes with time alone at a few known moments (the induction window closing, a baseline
    going stale); each stretch between them is judged on the view it has, so the answer is exact.
    """
    if view.status == "closed":
        return None
    starts = [now] + sorted(m for m in _turning_points(record) if m > now)
    best: datetime | None = None
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else None
        stretch = view if index == 0 else evaluate(record, start + _RECHECK)
        for duty in _candidates(record, stretch, start):
            if duty.key in record.system_keys or (end is not None and owed_from(duty) > end):
                continue
            moment = owed_from(duty) if index == 0 else max(owed_from(duty), start + _RECHECK)
            if best is None or moment < best:
                best = moment
        if best is not None and (end is None or best <= end):
            return best
    return best


def owed_from(duty: Duty) -> datetime:
    """When a duty is owed: at its moment, except "overdue", which starts just after the due time
    (a step due at 09:00 is not overdue at 09:00, as in the view's overdue flag)."""
    return duty.occurred_at + _TICK if duty.type == "StepOverdue" else duty.occurred_at


def _turning_points(record: ClinicalRecord) -> list[datetime]:
    """Moments at which the view changes although no event was recorded."""
    points = []
    window_end = record.induction_window_end()
    if window_end is not None:
        points.append(window_end)
    baseline = record.baseline()
    if baseline is not None and not record.induction_infusions():
        points.append(baseline.occurred_at + timedelta(days=record.protocol.due_days("baseline_assessment")))
    return points


def _candidates(record: ClinicalRecord, view: JourneyView, now: datetime) -> Iterator[Duty]:
    """Every duty this view implies (questionnaires: the slot due by ``now`` or the next); the
    callers filter by time and by key."""
    for event_type, moment, data in message_duties(record, view, now):
        yield Duty(event_type, moment, data)
    if view.status != "active":
        return  # a paused journey owes only its safety pages (``message_duties`` says which)
    yield from _step_duties(record, view)
    yield from _reminders(record, view)
    yield from _relapse_alert(record, view)
    yield from _missed_appointments(record, view)


def _missed_appointments(record: ClinicalRecord, view: JourneyView) -> Iterator[Duty]:
    """A booking still open ``missed_after_hours`` after its time, with no infusion since, was missed.
    Its key names the booking, so it is recorded once whoever sweeps, however late."""
    for appointment in record.appointments:
        if appointment.state != "scheduled":
            continue
        step = "induction" if appointment.phase == "induction" else "maintenance"
        if view.steps[step].status not in OPEN:
            continue
        if any(i.occurred_at >= appointment.scheduled_for for i in record.infusions):
            continue
        data = {"scheduled_version": appointment.version, "key": missed_key(appointment)}
        yield Duty("AppointmentMissed", missed_at(record, appointment), data)


def _step_duties(record: ClinicalRecord, view: JourneyView) -> Iterator[Duty]:
    for name, step in view.steps.items():
        if step.status not in OPEN or step.due_at is None:
            continue
        due = step.due_at
        base = {"step": name, "due_at": due.isoformat()}
        yield Duty("StepBecameDue", due - DUE_LEAD, {**base, "key": f"due:{name}:{due.isoformat()}"})
        late = overdue_after(record.protocol, name, due)
        yield Duty("StepOverdue", late, {**base, "key": f"overdue:{name}:{due.isoformat()}"})


def _reminders(record: ClinicalRecord, view: JourneyView) -> Iterator[Duty]:
    protocol = record.protocol
    for appointment in record.appointments:
        if appointment.state != "scheduled":
            continue
        step = "induction" if appointment.phase == "induction" else "maintenance"
        if view.steps[step].status not in OPEN or any(f.kind == "blocked" for f in view.steps[step].flags):
            continue  # a blocked journey (a contraindication found mid-series) gets no reminders
        yield _reminder(
            "infusion",
            step,
            appointment.scheduled_for,
            appointment.scheduled_for - timedelta(hours=protocol.infusion_reminder_hours),
            f"reminder:infusion:{appointment.version}",
            phase=appointment.phase,
            appointment_version=appointment.version,
        )
    response = view.steps["response_check"]
    if response.status in OPEN and response.due_at is not None:
        opens = timedelta(days=protocol.due_days("response_check") - protocol.response_check.earliest_days)
        due = response.due_at
        yield _reminder("response_check", "response_check", due, due - opens, f"reminder:response_check:{due.isoformat()}")
    maintenance = view.steps["maintenance"]
    if maintenance.status in OPEN and maintenance.due_at is not None:
        due = maintenance.due_at
        ahead = timedelta(days=protocol.maintenance.reminder_days_before)
        yield _reminder("maintenance", "maintenance", due, due - ahead, f"reminder:maintenance:{due.isoformat()}")
    care = view.steps.get("complementary_care")  # a protocol may leave it out (DESIGN 7.6)
    if care is not None and care.status in OPEN and care.due_at is not None:
        due = care.due_at
        yield _reminder("check_in", "complementary_care", due, due - DUE_LEAD, f"reminder:check_in:{due.isoformat()}")


def _reminder(kind: str, step: str, due: datetime, moment: datetime, key: str, **extra: Any) -> Duty:
    return Duty("ReminderIssued", moment, {"kind": kind, "step": step, "due_at": due.isoformat(), "key": key, **extra})


def _relapse_alert(record: ClinicalRecord, view: JourneyView) -> Iterator[Duty]:
    step = view.steps["maintenance"]
    flag = next((f for f in step.flags if f.kind == "relapse"), None)
    if flag is None or record.decision is None:
        return
    later = [a for a in record.phq9() if a.occurred_at >= record.decision.occurred_at]
    assessment = later[-1]
    data = {
        "kind": "relapse",
        "reason": flag.reason,
        "source_version": assessment.version,
        "step": "maintenance",
        "key": f"alert:relapse:{assessment.version}",
    }
    yield Duty("SafetyAlertRaised", assessment.occurred_at, data)
