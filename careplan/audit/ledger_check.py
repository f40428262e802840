"""The chair ledger checked against the journeys' events: the ledger is outside every hash chain.

A row of ``chair_bookings`` is what stops a second booking of the same chair; it is not an event, so
deleting every row (and booking chairs twice afterwards), adding one (a chair blocked for nothing)
or altering one (the day view shows another chair or time) left every chain intact. Yet the ledger
is a function of the events: every open appointment with a chair holds exactly its row, and every
other row is a booking whose infusion was given, kept marked done (``careplan.booking``). So
``verify`` recomputes it from the journeys and names each row that differs, and each row missing.

Not proof against everyone: the ledger is rewritten by the application's role in normal work, so it
carries no chain of its own; what it must hold is proved by the events' chains instead. A process
killed between its row and its event leaves a row no event accounts for, which is named too (the
next booking of that chair clears it): a row younger than ``IN_FLIGHT`` is not judged, its event may
be on its way. Breaks name journeys, versions, chairs and times, never patient data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from careplan.adapters.side_tables import SchemaMissing, SideTables
from careplan.application import CarePlan
from careplan.audit.findings import Break
from careplan.booking import IN_FLIGHT, stored_form, stored_time
from careplan.domain.values import Fact

KIND = "chair_booking"
TABLE = "chair_bookings"


@dataclass(frozen=True)
class Row:
    journey: str
    version: int
    booked: tuple[int, str, str]
    """Chair, start and end as stored."""
    reserved_at: str
    done_at: str | None


def check_ledger(app: CarePlan, journey_ids: Iterable[UUID], whole_store: bool) -> list[Break]:
    """Every difference between the ledger and the journeys given (whose chains hold); with
    ``whole_store`` also the rows of journeys that are not stored at all."""
    ids = list(journey_ids)
    rows = _rows(app, None if whole_store else ids)
    if rows is None:
        return []  # no ledger in this store (an application built without the clinic)
    found: list[Break] = []
    for journey_id in ids:
        own = rows.pop(str(journey_id), [])
        breaks = _check_journey(app, journey_id, own)
        if breaks:  # a booking saved while we read: judge it again, on a fresh read of both
            breaks = _check_journey(app, journey_id, (_rows(app, [journey_id]) or {}).get(str(journey_id), []))
        found += breaks
    if whole_store:
        for orphaned in rows.values():
            found += [_unknown_journey(row) for row in orphaned if not _in_flight(app, row)]
    return found


def _check_journey(app: CarePlan, journey_id: UUID, rows: list[Row]) -> list[Break]:
    try:
        journey = app.get(journey_id)
    except Exception:  # noqa: BLE001 - a journey that does not load is named by its chain's check
        return []
    by_version = {row.version: row for row in rows}
    found: list[Break] = []
    for a in journey.chart.appointments:
        if a.state != "scheduled" or a.chair is None:
            continue
        row = by_version.pop(a.version, None)
        expected = stored_form(a.chair, a.scheduled_for, a.duration_min)
        if row is None:
            found.append(_break(journey_id, a.version, "booking_missing", f"{_said(expected)} and is open, but the ledger has no row for it: the row was deleted, so the chair can be booked twice"))
        elif row.booked != expected:
            found.append(_altered(journey_id, row, expected))
    history: list[Fact] | None = None
    for row in sorted(by_version.values(), key=lambda r: r.version):
        if row.version > journey.version and _in_flight(app, row):
            continue
        history = history if history is not None else app.history(journey_id)
        found += _judge_closed(journey_id, row, history)
    return found


def _judge_closed(journey_id: UUID, row: Row, history: list[Fact]) -> list[Break]:
    """A row whose appointment is not open: a given infusion's, marked done at its time, or nothing."""
    fact = history[row.version - 1] if 0 < row.version <= len(history) else None
    if fact is None or fact.type != "InfusionScheduled" or fact.data.get("chair") is None:
        detail = (
            f"the ledger holds chair {row.booked[0]} from {row.booked[1]} to {row.booked[2]} for this version, which "
            "is no booking with a chair: the row was added outside the application (or left by a process "
            "that died while booking)"
        )
        return [_break(journey_id, row.version, "booking_unrecorded", detail)]
    expected = stored_form(fact.data["chair"], fact.data["scheduled_for"], fact.data.get("duration_min"))
    if row.booked != expected:
        return [_altered(journey_id, row, expected)]
    given = {stored_time(f.occurred_at) for f in history[row.version :] if f.type == "InfusionCompleted"}
    if row.done_at is None:
        detail = (
            f"{_said(expected)}; that appointment is over (held, cancelled, missed or corrected), yet its row still "
            "holds the chair: the row was put back, or kept by a process that stopped before freeing it"
        )
        return [_break(journey_id, row.version, "booking_stale", detail)]
    if row.done_at not in given:
        detail = f"the row says the infusion was given at {row.done_at}; no InfusionCompleted after the booking says so: the row was altered"
        return [_break(journey_id, row.version, "booking_altered", detail)]
    return []


def _altered(journey_id: UUID, row: Row, expected: tuple[int, str, str]) -> Break:
    detail = f"{_said(expected)}; its ledger row says chair {row.booked[0]} from {row.booked[1]} to {row.booked[2]}: the row was altered"
    return _break(journey_id, row.version, "booking_altered", detail)


def _unknown_journey(row: Row) -> Break:
    try:
        journey_id: UUID | None = UUID(row.journey)
    except ValueError:
        journey_id = None
    detail = f"the ledger holds chair {row.booked[0]} from {row.booked[1]} to {row.booked[2]} for a journey that is not stored: the row was added outside the application"
    return Break(journey_id, row.version, "booking_unrecorded", detail, KIND)


def _break(journey_id: UUID, version: int, problem: str, detail: str) -> Break:
    return Break(journey_id, version, problem, detail, KIND)


def _said(booked: tuple[int, str, str]) -> str:
    return f"the booking event holds chair {booked[0]} from {booked[1]} to {booked[2]}"


def _in_flight(app: CarePlan, row: Row) -> bool:
    try:
        return app.clock() - datetime.fromisoformat(row.reserved_at) < IN_FLIGHT
    except (TypeError, ValueError):
        return False


def _rows(app: CarePlan, journey_ids: list[UUID] | None) -> dict[str, list[Row]] | None:
    """The ledger's rows by journey (only those journeys' when given); None when there is no ledger."""
    tables = SideTables(app)
    try:
        tables.require([TABLE])
    except SchemaMissing:
        return None
    query = f"SELECT journey_id, scheduled_version, chair, start_ts, end_ts, reserved_at, done_at FROM {TABLE}"
    params: list[Any] = []
    if journey_ids is not None:
        if not journey_ids:
            return {}
        query += f" WHERE journey_id IN ({', '.join('?' for _ in journey_ids)})"
        params = [str(one) for one in journey_ids]
    with tables.cursor(commit=False) as run:
        found: dict[str, list[Row]] = {}
        for journey, version, chair, start, end, reserved, done in run(query, params):
            found.setdefault(str(journey), []).append(Row(str(journey), int(version), (int(chair), str(start), str(end)), str(reserved), done))
    return found
