"""Lists of journeys for the API: a page of journeys and the coordinator's worklists.

Read from the read side's tables when they are there; until then (and as a fallback on a store the
read side has not caught up with) from the application, one summary per journey.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from careplan.application import CarePlan
from careplan.domain.vocabulary import ON_HOLD
from events.read.summary import WORKLISTS, JourneySummary, summarize


def summary_row(s: JourneySummary) -> dict[str, Any]:
    """The mapping ``JourneySummarySchema`` dumps."""
    return {
        "id": s.journey_id,
        "patient_ref": s.patient_ref,
        "protocol": {"id": s.protocol, "version": s.protocol_version},
        "version": s.version,
        "status": s.status,
        "opened_at": s.opened_at,
        "updated_at": s.updated_at,
        "current_step": s.current_step,
        "steps": {
            name: {"status": step.status, "due_at": step.due_at, "flags": [{"kind": k, "reason": r} for k, r in step.flags]}
            for name, step in s.steps.items()
        },
        "induction_done": s.induction_done,
        "induction_target": s.induction_target,
        "maintenance_done": s.maintenance_done,
        "open_alerts": s.open_alerts,
        "classification": s.classification,
        "next_action": s.next_action,
        "next_due_at": s.next_due_at,
    }


def _summaries(app: CarePlan, now: datetime) -> list[JourneySummary]:
    rows = []
    for journey_id in app.journey_ids():
        journey, view = app.view(journey_id, now=now)
        rows.append(summarize(journey, view))
    return rows


def journey_page(app: CarePlan, status: str | None, offset: int, limit: int) -> tuple[list[JourneySummary], int]:
    """One page of journeys in the order they were opened, and how many there are in all."""
    rows = [s for s in _summaries(app, app.clock()) if status is None or s.status == status]
    return rows[offset : offset + limit], len(rows)


def _on(summary: JourneySummary, name: str, now: datetime) -> bool:
    if summary.status != "active" and name != "safety_alerts":
        return False
    steps = summary.steps.values()
    if name == "due_today":
        return any(s.due_at is not None and s.due_at.date() == now.date() for s in steps if s.status != "completed")
    if name == "safety_alerts":
        return summary.open_alerts > 0
    if name == "on_hold":
        return any(s.status == ON_HOLD or any(k == "hold" for k, _ in s.flags) for s in steps)
    kind = "overdue" if name == "overdue" else "blocked"
    return any(any(k == kind for k, _ in s.flags) for s in steps)


def worklists(app: CarePlan, now: datetime, only: str | None = None) -> dict[str, list[JourneySummary]]:
    names = [only] if only else list(WORKLISTS)
    summaries = _summaries(app, now)
    return {name: [s for s in summaries if _on(s, name, now)] for name in names}
