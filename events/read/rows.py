"""A journey turned into the rows of the read model: its row, its open steps, its due-index entry.

The rows are a pure function of the journey's history: the view is judged at the moment of the last
recorded event, never at the projector's clock, so a view rebuilt tomorrow equals the one kept up to
date today. What depends on the clock (due today, overdue) is left to the queries, which compare the
stored due times with ``now``.

Clear columns hold only what an index needs: status, step names, times and 0/1 memberships of the
lists. Everything clinical (the patient reference, why a step is blocked, how many alerts) is in the
sealed payload (``events.read.sealed``); search goes through keyed hashes (``events.read.keys``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from careplan.application import CarePlan
from careplan.domain.duties import next_duty_at
from careplan.domain.families.appointments import missed
from careplan.domain.journey import PatientJourney
from careplan.domain.view import GRACED_STEPS, OPEN, evaluate, overdue_after
from careplan.domain.vocabulary import ON_HOLD
from events.read.keys import gram_keys, grams, patient_key
from events.read.sealed import seal, unseal
from events.read.summary import history_marks, summarize

__all__ = ["JourneyRows", "rows_for", "patient_key", "seal", "unseal", "memberships"]



# Flags that put a step on the blocked worklist (and so on the dashboard), with their reason.
BLOCKING_FLAGS = ("blocked", "discharge_pending", "unreachable")


@dataclass(frozen=True)
class JourneyRows:
    journey_id: str
    version: int
    journey: tuple[Any, ...]
    steps: list[tuple[Any, ...]]
    due: tuple[Any, ...]
    pieces: Callable[[], list[str]] = list
    """The search index's keyed pieces of the reference, computed only when they are written: a
    reference never changes, so only a journey new to the read model needs them (a keyed hash each)."""

    @property
    def grams(self) -> list[str]:
        return self.pieces()


def rows_for(app: CarePlan, journey: PatientJourney) -> JourneyRows:
    _, moment = history_marks(journey)
    record = journey.clinical_record(app.protocol)
    view = evaluate(record, moment)
    summary = summarize(journey, view)
    jid = str(journey.id)
    steps = []
    if view.status == "active":
        for name, step in view.steps.items():
            if step.status not in OPEN:
                continue
            graced = name in GRACED_STEPS
            due = step.due_at
            late = None if due is None else overdue_after(record.protocol, name, due)  # the domain's rule
            booked = missed(record, name) if name in ("induction", "maintenance") else []
            if booked:  # a missed booking puts the step on the overdue list from the booked time
                due, late = due or booked[0].scheduled_for, min(late or booked[0].scheduled_for, booked[0].scheduled_for)
            blocked = int(any(f.kind in BLOCKING_FLAGS for f in step.flags))
            if late is None and not blocked:
                continue  # no due time and nothing blocking: on no list, so no row (and no index entries)
            steps.append((jid, name, int(graced), blocked, _ts(due), _ts(late)))
    open_ = view.status != "closed"
    on_hold = int(open_ and (view.status == "paused" or any(s.status == ON_HOLD for s in view.steps.values())))
    overdue = [s[5] for s in steps if s[5] is not None]
    row = (
        jid,
        journey.version,
        view.status,
        journey.protocol_id,
        summary.current_step,
        _ts(summary.opened_at),
        _ts(summary.updated_at),
        int(open_ and summary.open_alerts > 0),
        on_hold,
        int(any(s[3] for s in steps)),
        int(open_ and any(f.kind == "deviation" for s in view.steps.values() for f in s.flags)),
        min(overdue) if overdue else None,
        patient_key(app, journey.patient_ref),
        seal(app, summary),
    )
    due_row = (jid, journey.version, _ts(next_duty_at(record, view, moment)))
    ref = journey.patient_ref
    return JourneyRows(jid, journey.version, row, steps, due_row, lambda: gram_keys(app, grams(ref)))


def memberships(status: str, alerting: int, on_hold: int, blocked: int, deviating: int = 0) -> list[str]:
    """The maintained counters a journey row adds to (``read_counts``)."""
    names = ["total", status]
    flags = (("safety_alerts", alerting), ("on_hold", on_hold), ("blocked", blocked), ("deviations", deviating))
    names += [name for name, flag in flags if flag]
    return names


def _ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()
