"""The read side's one query API: dashboard counts, worklists and the journey list.

The web layer calls only this (through ``events.read.runtime.read_side_for``)::

    side = read_side_for(app)                   # per process; catches up first on SQLite
    side.counts(now, today=None)                # {"total", "active", "paused", "closed", "due_today",
                                                #  "overdue", "blocked", "safety_alerts", "on_hold"}
    side.worklist("overdue", now, offset=0, limit=25, step="induction", protocol=None,
                  today=None, after=None)       # Page[JourneySummary]
    side.journeys(offset=0, limit=25, status="active", step=None, search=None, after=None)
                                                # Page[JourneySummary], newest first
    side.summary(journey_id)                    # JourneySummary | None

Worklists (``WORKLISTS``), judged against ``now`` in SQL so the lists move with the clock without any
event: ``due_today`` (an open step of an active journey is due by the end of ``today`` and not
overdue at ``now``), ``overdue`` (past its due time, plus the protocol's grace for maintenance; oldest
first), ``blocked`` (a step flagged blocked), ``safety_alerts`` (an alert not yet acknowledged),
``on_hold`` (a paused journey or a step on hold). ``today`` is the clinic's local day as two UTC
instants ``(start, end)`` given by the caller (the web layer knows the clinic's zone); without it, the
day ends 24 hours after ``now``. ``Page.notes`` holds one line per journey saying why it is on the list
(``"induction due 2026-03-09"``), free of patient references.

Paging: ``offset`` walks the serving index alone (the payloads of the page only are read), and
``after=page.next_after`` continues by keyset, whatever the depth. Search takes any part of a patient
reference (two characters or more, any case), the exact reference, or the start of a journey id.
Every list and count is served by an index or a maintained counter (``events.read.listing``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from typing import Any, Generic, TypeVar
from uuid import UUID

from careplan.application import CarePlan
from careplan.domain.duties import DUE_LEAD
from events.read import listing
from events.read import search as searching
from events.read.listing import Listing
from events.read.paging import fetch_page
from events.read.rows import BLOCKING_FLAGS
from events.read.sealed import unseal
from events.read.store import Cursor, ReadStore
from events.read.summary import WORKLISTS, JourneySummary

T = TypeVar("T")
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int
    notes: dict[UUID, str] = field(default_factory=dict)
    next_after: str | None = None
    """A cursor for the page after this one (``after=``), or None on the last page."""

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


class UnknownWorklist(ValueError):
    """A worklist name that is not one of WORKLISTS."""


Today = tuple[datetime, datetime]


class ReadSide:
    def __init__(self, app: CarePlan, store: ReadStore) -> None:
        self.app = app
        self.store = store

    def counts(self, now: datetime, today: Today | None = None) -> dict[str, int]:
        """Every tile of the dashboard: maintained counters, and two index ranges for the lists that
        move with the clock."""
        with self.store.read() as cur:
            names = ("total", "active", "paused", "closed", *WORKLISTS)
            marks = ", ".join("?" * len(names))
            stored = {r["name"]: int(r["n"]) for r in cur.run(f"SELECT name, n FROM read_counts WHERE name IN ({marks})", names).all()}
            result = {name: stored.get(name, 0) for name in names}
            for name in ("due_today", "overdue"):
                result[name] = _count(cur, self._listing(name, now, None, None, today))
        return result

    def worklist(
        self,
        name: str,
        now: datetime,
        offset: int = 0,
        limit: int = 25,
        step: str | None = None,
        protocol: str | None = None,
        today: Today | None = None,
        after: str | None = None,
        zone: tzinfo = timezone.utc,
    ) -> Page[JourneySummary]:
        """``zone`` is the clinic's: the line saying why a journey is listed gives its times there."""
        offset, limit = _window(offset, limit)
        chosen = self._listing(name, now, step, protocol, today)
        with self.store.read() as cur:
            total = _count(cur, chosen)
            rows, next_after = fetch_page(cur, chosen, offset, limit, after)
            steps = _open_steps(cur, [r["journey_id"] for r in rows]) if name in listing.STEP_LISTS else {}
        items = [unseal(self.app, r["payload"]) for r in rows]
        end = _day_end(now, today).timestamp()
        notes = {
            s.journey_id: _note(name, s, _reason(name, steps.get(str(s.journey_id), []), now.timestamp(), end, step), zone)
            for s in items
        }
        return Page(items, total, offset, limit, notes, next_after)

    def journeys(
        self,
        offset: int = 0,
        limit: int = 25,
        status: str | None = None,
        step: str | None = None,
        search: str | None = None,
        protocol: str | None = None,
        after: str | None = None,
    ) -> Page[JourneySummary]:
        offset, limit = _window(offset, limit)
        term = search.strip() if search else ""
        with self.store.read() as cur:
            among = searching.candidates(self.app, cur, term) if term else None
            chosen = listing.journeys(status, step, protocol, among)
            total = _count(cur, chosen)
            rows, next_after = fetch_page(cur, chosen, offset, limit, after)
        items = [unseal(self.app, r["payload"]) for r in rows]
        if term:
            kept = [s for s in items if searching.matches(s, term)]
            total, items = total - (len(items) - len(kept)), kept
        return Page(items, total, offset, limit, next_after=next_after)

    def summary(self, journey_id: UUID) -> JourneySummary | None:
        with self.store.read() as cur:
            row = cur.run("SELECT payload FROM read_journeys WHERE journey_id = ?", (str(journey_id),)).one()
        return unseal(self.app, row["payload"]) if row else None

    # -- building blocks ----------------------------------------------------------------------

    def _listing(self, name: str, now: datetime, step: str | None, protocol: str | None, today: Today | None) -> Listing:
        t = now.timestamp()
        if name == "due_today":
            chosen = listing.due_today(t, _day_end(now, today).timestamp(), self._grace_s(), step)
        elif name == "overdue":
            chosen = listing.overdue(t, step)
        elif name in listing.FLAG_LISTS:
            chosen = listing.flagged(name, step)
        else:
            raise UnknownWorklist(f"{name!r} is not a worklist; choose one of {', '.join(WORKLISTS)}")
        return listing.with_protocol(chosen, protocol)

    def _grace_s(self) -> float:
        """The longest grace of any protocol this application knows: how far past the day a graced
        step's overdue moment can lie while it is still due today."""
        return max((p.maintenance.grace_days for p in self.app.protocols), default=0) * 86400.0


def _day_end(now: datetime, today: Today | None) -> datetime:
    return today[1] if today is not None else now + DUE_LEAD


def _count(cur: Cursor, chosen: Listing) -> int:
    if chosen.counter is not None:
        row = cur.run("SELECT n FROM read_counts WHERE name = ?", (chosen.counter,)).one()
        return int(row["n"]) if row else 0
    return int(cur.run(f"SELECT COUNT(*) AS n FROM ({chosen.source}) AS c", chosen.params).one()["n"])


def _open_steps(cur: Cursor, journey_ids: list[str]) -> dict[str, list[Any]]:
    """The open steps of the page's journeys (a primary-key lookup each), to say why each is listed."""
    if not journey_ids:
        return {}
    marks = ", ".join("?" * len(journey_ids))
    found: dict[str, list[Any]] = {}
    sql = f"SELECT journey_id, step, blocked, due_ts, overdue_ts FROM read_steps WHERE journey_id IN ({marks})"
    for row in cur.run(sql, journey_ids).all():
        found.setdefault(row["journey_id"], []).append(row)
    return found


def _reason(name: str, steps: list[Any], t: float, end: float, step: str | None) -> Any:
    """The step that put the journey on the list: the earliest due of those that qualify."""
    def qualifies(s: Any) -> bool:
        if step and s["step"] != step:
            return False
        if name == "overdue":
            return s["overdue_ts"] is not None and s["overdue_ts"] < t
        if name == "due_today":
            return s["overdue_ts"] is not None and s["overdue_ts"] >= t and s["due_ts"] <= end
        return bool(s["blocked"])

    chosen = sorted((s for s in steps if qualifies(s)), key=lambda s: (s["due_ts"] or 0.0, s["step"]))
    return chosen[0] if chosen else None


MAX_OFFSET = 2**31 - 1
"""Beyond any real list; a larger offset (page 10**18) would overflow the database's integer."""


def _window(offset: int, limit: int) -> tuple[int, int]:
    return min(MAX_OFFSET, max(0, int(offset))), min(MAX_LIMIT, max(1, int(limit)))


def _note(name: str, summary: JourneySummary, row: Any, zone: tzinfo) -> str:
    step = row["step"] if row is not None else ""
    words = step.replace("_", " ")
    if name == "blocked":
        flags = summary.steps[step].flags if step in summary.steps else ()
        return f"{words}: {next((r for k, r in flags if k in BLOCKING_FLAGS), 'blocked')}"
    if name == "overdue" and row is not None and row["overdue_ts"] is not None:
        # Late since the moment it became overdue (a missed booking: its booked time), never the due
        # time of what comes next, which may lie days ahead.
        late = datetime.fromtimestamp(float(row["overdue_ts"]), tz=zone)
        flags = summary.steps[step].flags if step in summary.steps else ()
        if any(kind == "overdue" and "missed" in reason for kind, reason in flags):
            return f"{words}: the booking at {late:%Y-%m-%d %H:%M %Z} was missed"
        return f"{words} overdue since {late:%Y-%m-%d %H:%M %Z}"
    if name == "due_today" and row is not None and row["due_ts"] is not None:
        due = datetime.fromtimestamp(float(row["due_ts"]), tz=zone)
        return f"{words} due {due:%Y-%m-%d %H:%M %Z}"
    if name == "safety_alerts":
        return f"{summary.open_alerts} open safety alert(s)"
    if name == "on_hold":
        return "journey paused" if summary.status == "paused" else "step on hold"
    if name == "deviations":
        reasons = [f"{step}: {r}" for step, st in summary.steps.items() for k, r in st.flags if k == "deviation"]
        return reasons[-1] if reasons else "deviation recorded"
    return name.replace("_", " ")
