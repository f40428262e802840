"""Each list the read side pages through, as SQL that one index serves.

A listing is a source query yielding one ``(journey_id, sort_key)`` row per journey on the list. The
query layer pages it by keyset (``after`` a cursor) or by offset over the index alone, and fetches the
sealed payloads of the page's rows only, so a page costs its 25 rows plus, for an offset, the index
entries it skips; never the table.

Which index serves which list (``events.read.store``):

- overdue: ``read_journeys (overdue_ts)``, the earliest overdue moment of the journey's open steps;
  with a step, ``read_steps (step, overdue_ts)``. Oldest overdue first.
- due today: ``read_steps (graced, overdue_ts, due_ts)`` (or ``(step, ...)``). A step is due today when
  it is due by the end of the day and not overdue at ``now``. For a step without grace the overdue
  moment is the due time, so it is one range ``[now, end]``; for a graced step (maintenance) the
  range is ``[now, end + the largest grace]`` checked against ``due_ts <= end``. Both ranges hold
  what the list shows plus, for maintenance, at most a grace period's worth.
- blocked, safety alerts, on hold: ``read_journeys (<flag>, updated_ts)``; with a step, the blocked
  list reads ``read_steps (blocked, step)`` and the two others filter on the journey's current step.
- all journeys: ``read_journeys (opened_ts)``, ``(status, opened_ts)`` or ``(current_step, opened_ts)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from careplan.domain.view import GRACED_STEPS  # overdue after the protocol's grace: the domain's rule

STEP_LISTS = ("due_today", "overdue", "blocked")
FLAG_LISTS = {"blocked": "blocked", "safety_alerts": "alerting", "on_hold": "on_hold", "deviations": "deviating"}


@dataclass(frozen=True)
class Listing:
    source: str
    params: list[Any] = field(default_factory=list)
    descending: bool = False
    counter: str | None = None
    """A maintained counter (``read_counts``) that equals the list's length, when no filter applies."""


def due_today(now: float, end: float, grace: float, step: str | None) -> Listing:
    plain = "SELECT journey_id, due_ts FROM read_steps WHERE graced = 0 AND overdue_ts >= ? AND overdue_ts <= ?"
    graced = (
        "SELECT journey_id, due_ts FROM read_steps WHERE graced = 1 AND overdue_ts >= ? AND overdue_ts <= ? "
        "AND due_ts <= ?"
    )
    params: list[float | str]
    if step:  # a step is graced or not: only its own range is read
        union, params = (graced, [now, end + grace, end]) if step in GRACED_STEPS else (plain, [now, end])
        union, params = union + " AND step = ?", [*params, step]
    else:
        union, params = f"{plain} UNION ALL {graced}", [now, end, now, end + grace, end]
    return Listing(f"SELECT journey_id, MIN(due_ts) AS sort_key FROM ({union}) AS w GROUP BY journey_id", params)


def overdue(now: float, step: str | None) -> Listing:
    if step:
        return Listing("SELECT journey_id, overdue_ts AS sort_key FROM read_steps WHERE step = ? AND overdue_ts < ?", [step, now])
    return Listing("SELECT journey_id, overdue_ts AS sort_key FROM read_journeys WHERE overdue_ts < ?", [now])


def flagged(name: str, step: str | None) -> Listing:
    column = FLAG_LISTS[name]
    if step and name == "blocked":
        return Listing(
            "SELECT s.journey_id, j.updated_ts AS sort_key FROM read_steps s "
            "JOIN read_journeys j ON j.journey_id = s.journey_id WHERE s.blocked = 1 AND s.step = ?",
            [step],
            descending=True,
        )
    where, params = f"{column} = 1", []
    if step:
        where, params = where + " AND current_step = ?", [step]
    return Listing(
        f"SELECT journey_id, updated_ts AS sort_key FROM read_journeys WHERE {where}",
        params,
        descending=True,
        counter=None if step else name,
    )


def journeys(status: str | None, step: str | None, protocol: str | None, among: tuple[str, list[Any]] | None) -> Listing:
    """All journeys, newest first; ``among`` restricts them to a subquery of journey ids (search)."""
    clauses, params = [], []
    for column, value in (("status", status), ("current_step", step), ("protocol", protocol)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if among is not None:
        clauses.append(f"journey_id IN ({among[0]})")
        params += among[1]
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    counter = None if step or protocol or among is not None else (status or "total")
    return Listing(f"SELECT journey_id, opened_ts AS sort_key FROM read_journeys{where}", params, True, counter)


def with_protocol(listing: Listing, protocol: str | None) -> Listing:
    """Narrows a worklist to one protocol (a residual filter: worklists are rarely cut this way)."""
    if not protocol:
        return listing
    source = (
        f"SELECT l.journey_id, l.sort_key FROM ({listing.source}) AS l "
        "JOIN read_journeys p ON p.journey_id = l.journey_id WHERE p.protocol = ?"
    )
    return Listing(source, [*listing.params, protocol], listing.descending)
