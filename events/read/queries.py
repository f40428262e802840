"""The read side's one query API: dashboard counts, worklists and the journey list.

The web layer calls only this (through ``events.read.runtime.read_side_for``)::

    side = read_side_for(app)                   # per process; catches up first on SQLite
    side.counts(now)                            # {"total", "active", "paused", "closed", "due_today",
                                                #  "overdue", "blocked", "safety_alerts", "on_hold"}
    side.worklist("overdue", now, offset=0, limit=25, step="induction", protocol=None)
                                                # Page[JourneySummary], oldest due first
    side.journeys(offset=0, limit=25, status="active", step=None, search=None)
                                                # Page[JourneySummary], newest first; search is an exact
                                                # patient reference or the start of a journey id
    side.summary(journey_id)                    # JourneySummary | None

Worklists (``WORKLISTS``), judged against ``now`` in SQL so the lists move with the clock without any
event: ``due_today`` (an open step of an active journey falls due within 24 hours and is not overdue
yet), ``overdue`` (past its due time, plus the protocol's grace for maintenance), ``blocked`` (a step
flagged blocked, with the reason), ``safety_alerts`` (an alert not yet acknowledged), ``on_hold``
(a paused journey or a step on hold). ``Page.notes`` holds one line per journey saying why it is on
the list (``"induction due 2026-03-09"``), free of patient references.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from careplan.application import CarePlan
from events.read.rows import patient_key, unseal
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

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


class UnknownWorklist(ValueError):
    """A worklist name that is not one of WORKLISTS."""


# Each worklist: the rows (journey_id, sort key, note) it selects, from steps or journeys.
_STEP_LISTS = {
    "due_today": ("s.becomes_due_ts <= ? AND s.overdue_ts >= ?", "s.due_ts", "due"),
    "overdue": ("s.overdue_ts < ?", "s.due_ts", "overdue since"),
    "blocked": ("s.blocked_reason IS NOT NULL", "j.updated_ts", "blocked"),
}
_JOURNEY_LISTS = {
    "safety_alerts": "j.open_alerts > 0 AND j.status <> 'closed'",
    "on_hold": "j.on_hold = 1 AND j.status <> 'closed'",
    "deviations": (
        "j.status <> 'closed' AND EXISTS (SELECT 1 FROM read_steps d "
        "WHERE d.journey_id = j.journey_id AND d.status = 'deviation')"
    ),
}


class ReadSide:
    def __init__(self, app: CarePlan, store: ReadStore) -> None:
        self.app = app
        self.store = store

    def counts(self, now: datetime) -> dict[str, int]:
        t = now.timestamp()
        with self.store.read() as cur:
            result = {"total": 0, "active": 0, "paused": 0, "closed": 0}
            for row in cur.run("SELECT status, COUNT(*) AS n FROM read_journeys GROUP BY status").all():
                result[row["status"]] = int(row["n"])
                result["total"] += int(row["n"])
            for name in WORKLISTS:
                where, params = self._where(name, t, None, None)
                result[name] = self._count(cur, name, where, params)
        return result

    def worklist(
        self,
        name: str,
        now: datetime,
        offset: int = 0,
        limit: int = 25,
        step: str | None = None,
        protocol: str | None = None,
    ) -> Page[JourneySummary]:
        offset, limit = _window(offset, limit)
        where, params = self._where(name, now.timestamp(), step, protocol)
        with self.store.read() as cur:
            total = self._count(cur, name, where, params)
            if name in _STEP_LISTS:
                _, order, label = _STEP_LISTS[name]
                sql = (
                    f"SELECT j.journey_id, j.payload, MIN({order}) AS sort_key "
                    f"FROM read_steps s JOIN read_journeys j ON j.journey_id = s.journey_id "
                    f"WHERE {where} GROUP BY j.journey_id, j.payload ORDER BY sort_key, j.journey_id LIMIT ? OFFSET ?"
                )
            else:
                label = name
                sql = (
                    f"SELECT j.journey_id, j.payload, NULL AS step, NULL AS due_ts, NULL AS reason FROM read_journeys j "
                    f"WHERE {where} ORDER BY j.updated_ts DESC, j.journey_id LIMIT ? OFFSET ?"
                )
            rows = cur.run(sql, [*params, limit, offset]).all()
            reasons = self._reasons(cur, name, where, params, [r["journey_id"] for r in rows])
        items = [unseal(self.app, r["payload"]) for r in rows]
        notes = {s.journey_id: _note(name, label, reasons.get(str(s.journey_id)), s) for s in items}
        return Page(items, total, offset, limit, notes)

    def journeys(
        self,
        offset: int = 0,
        limit: int = 25,
        status: str | None = None,
        step: str | None = None,
        search: str | None = None,
        protocol: str | None = None,
    ) -> Page[JourneySummary]:
        offset, limit = _window(offset, limit)
        clauses, params = ["1 = 1"], []
        for column, value in (("status", status), ("current_step", step), ("protocol", protocol)):
            if value:
                clauses.append(f"j.{column} = ?")
                params.append(value)
        if search and search.strip():
            clauses.append("(j.patient_key = ? OR j.journey_id LIKE ?)")
            params += [patient_key(self.app, search), search.strip().lower() + "%"]
        where = " AND ".join(clauses)
        with self.store.read() as cur:
            total = int(cur.run(f"SELECT COUNT(*) AS n FROM read_journeys j WHERE {where}", params).one()["n"])
            rows = cur.run(
                f"SELECT j.payload FROM read_journeys j WHERE {where} "
                "ORDER BY j.opened_ts DESC, j.journey_id LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).all()
        return Page([unseal(self.app, r["payload"]) for r in rows], total, offset, limit)

    def summary(self, journey_id: UUID) -> JourneySummary | None:
        with self.store.read() as cur:
            row = cur.run("SELECT payload FROM read_journeys WHERE journey_id = ?", (str(journey_id),)).one()
        return unseal(self.app, row["payload"]) if row else None

    # -- building blocks ----------------------------------------------------------------------

    def _where(self, name: str, t: float, step: str | None, protocol: str | None) -> tuple[str, list[Any]]:
        if name in _STEP_LISTS:
            condition = _STEP_LISTS[name][0]
            clauses = ["s.active = 1", condition]
            params: list[Any] = [t] * condition.count("?")
            if step:
                clauses.append("s.step = ?")
                params.append(step)
        elif name in _JOURNEY_LISTS:
            clauses, params = [_JOURNEY_LISTS[name]], []
            if step:
                clauses.append("j.current_step = ?")
                params.append(step)
        else:
            raise UnknownWorklist(f"{name!r} is not a worklist; choose one of {', '.join(WORKLISTS)}")
        if protocol:
            clauses.append("j.protocol = ?")
            params.append(protocol)
        return " AND ".join(clauses), params

    @staticmethod
    def _reasons(cur: Cursor, name: str, where: str, params: list[Any], journey_ids: list[str]) -> dict[str, Any]:
        """For each journey on the page, the step that put it on the list (the earliest due)."""
        if name not in _STEP_LISTS or not journey_ids:
            return {}
        marks = ", ".join("?" * len(journey_ids))
        rows = cur.run(
            "SELECT s.journey_id, s.step, s.due_ts, s.blocked_reason AS reason FROM read_steps s "
            f"JOIN read_journeys j ON j.journey_id = s.journey_id WHERE {where} AND s.journey_id IN ({marks}) "
            "ORDER BY s.due_ts, s.step",
            [*params, *journey_ids],
        ).all()
        found: dict[str, Any] = {}
        for row in rows:
            found.setdefault(row["journey_id"], row)
        return found

    @staticmethod
    def _count(cur: Cursor, name: str, where: str, params: list[Any]) -> int:
        if name in _STEP_LISTS:
            sql = (
                "SELECT COUNT(DISTINCT s.journey_id) AS n FROM read_steps s "
                f"JOIN read_journeys j ON j.journey_id = s.journey_id WHERE {where}"
            )
        else:
            sql = f"SELECT COUNT(*) AS n FROM read_journeys j WHERE {where}"
        return int(cur.run(sql, params).one()["n"])


MAX_OFFSET = 2**31 - 1
"""Beyond any real list; a larger offset (page 10**18) would overflow the database's integer."""


def _window(offset: int, limit: int) -> tuple[int, int]:
    return min(MAX_OFFSET, max(0, int(offset))), min(MAX_LIMIT, max(1, int(limit)))


def _note(name: str, label: str, row: Any, summary: JourneySummary) -> str:
    step = row["step"] if row is not None else ""
    if name == "blocked":
        return f"{step.replace('_', ' ')}: {row['reason']}"
    if name in ("due_today", "overdue") and row["due_ts"] is not None:
        due = datetime.fromtimestamp(float(row["due_ts"]), tz=summary.opened_at.tzinfo)
        return f"{step.replace('_', ' ')} {label} {due:%Y-%m-%d %H:%M}"
    if name == "safety_alerts":
        return f"{summary.open_alerts} open safety alert(s)"
    if name == "deviations":
        flags = [(step, reason) for step, s in summary.steps.items() for kind, reason in s.flags if kind == "deviation"]
        return f"{flags[-1][0].replace('_', ' ')}: {flags[-1][1]}" if flags else label
    if name == "on_hold":
        return "journey paused" if summary.status == "paused" else "step on hold"
    return label
