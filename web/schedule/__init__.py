"""The clinic's day (``/schedule?date=YYYY-MM-DD``): chairs by hour for coordinators, printable.

Read from the chair ledger (careplan/booking.py), which holds every booking with a chair, so the page
costs one indexed query for the day plus one journey per booking shown (a day has at most chairs x
opening hours of them). The patient references it shows make it a logged read (web/access). The date
is the clinic's local date; the hours are its wall clock, with the zone's abbreviation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import render_template

from careplan.booking import LedgerRow
from careplan.domain.clinic import Clinic
from careplan.domain.errors import UnknownJourney
from web.auth import requires
from web.clinic import the_clinic
from web.layout import page_blueprint
from web.query import clinic_date
from web.services import careplan

bp = page_blueprint("schedule", __name__)

SCHEDULE_ROLES = ("coordinator", "clinician", "admin")
BOOKED, IN_CHAIR, DISCHARGE, DONE, MISSED = "booked", "in the chair", "awaiting discharge", "discharged", "missed"


@dataclass(frozen=True)
class Seat:
    """One booking as the day view shows it."""

    row: LedgerRow
    patient_ref: str
    phase: str
    state: str

    @property
    def start(self) -> datetime:
        return self.row.booking.start

    @property
    def end(self) -> datetime:
        return self.row.booking.end


def seat_state(row: LedgerRow, pre_vitals_at: datetime | None, now: datetime) -> str:
    """Where the patient of a booking is at ``now``: given and observed until the booking ends
    (awaiting discharge), arrived with pre-infusion vitals (in the chair), or not yet (booked, missed)."""
    b = row.booking
    if row.done_at is not None:
        return DISCHARGE if now < b.end else DONE
    if pre_vitals_at is not None and pre_vitals_at >= b.start - timedelta(hours=1):
        return IN_CHAIR
    return MISSED if now >= b.end else BOOKED


def seats_of(day: date, clinic: Clinic, now: datetime) -> list[Seat]:
    app = careplan()
    start, end = clinic.day_bounds(day)
    seats = []
    for row in app.chairs.rows(start, end) if app.chairs else []:
        try:
            journey = app.get(row.journey_id)
        except UnknownJourney:
            continue
        record = journey.chart
        appointment = next((a for a in record.appointments if a.version == row.version), None)
        phase = appointment.phase if appointment else "infusion"
        pre = record.pre_vitals.occurred_at if record.pre_vitals else None
        seats.append(Seat(row, journey.patient_ref, phase, seat_state(row, pre, now)))
    return seats


def hours_of(day: date, clinic: Clinic, seats: list[Seat]) -> list[datetime]:
    """The day's hours, opening to closing (widened to any booking outside them), as UTC instants."""
    bounds = clinic.opening_bounds(day)
    first, last = bounds if bounds else clinic.day_bounds(day)
    if seats:
        first = min(first, min(s.start for s in seats))
        last = max(last, max(s.end for s in seats))
    local = clinic.local(first).replace(minute=0)
    hours = []
    moment = clinic.to_utc(local.replace(tzinfo=None))
    while moment < last:
        hours.append(moment)
        moment += timedelta(hours=1)
    return hours


@bp.route("/schedule")
@requires(*SCHEDULE_ROLES)
def day() -> str:
    clinic = the_clinic()
    now = careplan().clock()
    chosen = clinic_date("date") or clinic.today(now)
    seats = seats_of(chosen, clinic, now)
    hours = hours_of(chosen, clinic, seats)
    grid = {
        (h, chair): [s for s in seats if s.row.booking.chair == chair and h <= s.start < h + timedelta(hours=1)]
        for h in hours
        for chair in range(1, clinic.chairs + 1)
    }
    counts = {state: sum(1 for s in seats if s.state == state) for state in (BOOKED, IN_CHAIR, DISCHARGE, DONE, MISSED)}
    return render_template(
        "schedule/day.html",
        day=chosen,
        previous=chosen - timedelta(days=1),
        following=chosen + timedelta(days=1),
        hours=hours,
        chairs=range(1, clinic.chairs + 1),
        grid=grid,
        seats=seats,
        counts=counts,
        hours_today=clinic.hours_on(chosen),
        now=now,
    )
