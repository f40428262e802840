"""Lists of journeys for the API, from the read side (``events.read``): a page of journeys and the
coordinator's worklists, never a replay of every history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from careplan.application import CarePlan
from events.read.queries import Page
from events.read.runtime import read_side_for
from events.read.summary import JourneySummary
from web.clinic import the_clinic, today_bounds


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


def journey_page(
    app: CarePlan, offset: int, limit: int, status: str | None = None, step: str | None = None
) -> Page[JourneySummary]:
    """One page of journeys, newest first, with the total."""
    return read_side_for(app).journeys(offset=offset, limit=limit, status=status, step=step)


def worklists(
    app: CarePlan, now: datetime, names: list[str], offset: int, limit: int, step: str | None = None
) -> dict[str, Page[JourneySummary]]:
    side = read_side_for(app)
    today, zone = today_bounds(now), the_clinic().zone
    return {
        name: side.worklist(name, now, offset=offset, limit=limit, step=step, today=today, zone=zone) for name in names
    }


def worklist_body(page: Page[JourneySummary]) -> dict[str, Any]:
    """A worklist as ``WorklistSchema`` dumps it: each row says why it is on the list."""
    items = [{**summary_row(s), "note": page.notes.get(s.journey_id)} for s in page.items]
    return {"total": page.total, "offset": page.offset, "limit": page.limit, "items": items}
