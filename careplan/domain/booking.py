"""Infusion bookings against the clinic: opening hours, chairs, and the next slots a journey may take.

Pure functions of the clinic settings and the chairs already taken (the slot search, which also asks
the journey's timing rules, is careplan/domain/slots.py); the chair
ledger that knows what other journeys booked lives in the application layer (careplan/booking.py),
because one journey's aggregate cannot see another's.

An appointment occupies its chair for ``duration_min``. The default of 60 minutes is the protocol's
40-minute infusion plus 20 minutes of observation before discharge (the patient stays in the chair
until they are steady), so a chair booked on the hour is free again on the next hour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from careplan.domain.clinic import Clinic
from careplan.domain.errors import RuleViolation

DEFAULT_DURATION_MIN = 60
"""40 min infusion (the protocol's induction.duration_min) + 20 min observation in the chair."""
DURATION_MIN = (15, 480)
MAX_CHAIR = 200
"""The payload's own bound (events/clinic_file.MAX_CHAIRS); the clinic's real number is checked here."""
SLOT_STEP = timedelta(minutes=30)
SEARCH_DAYS = 62
"""How far ahead the slot search looks before it gives up (two induction windows)."""


@dataclass(frozen=True)
class Booking:
    """A chair taken from ``start`` to ``end`` (UTC)."""

    chair: int
    start: datetime
    end: datetime


def span(scheduled_for: datetime, duration_min: int | None) -> tuple[datetime, datetime]:
    start = _aware(scheduled_for)
    return start, start + timedelta(minutes=duration_min or DEFAULT_DURATION_MIN)


def check_booking(
    clinic: Clinic,
    scheduled_for: datetime,
    duration_min: int | None,
    chair: int | None,
    deviable: Callable[[str, str], None] | None = None,
) -> None:
    """Refuses a booking the clinic cannot take: a chair it does not have, a time it is closed.

    A time outside opening hours is a timing rule (DESIGN 6.3): ``deviable`` (the attempt's own, which
    a deviation reason may waive) refuses it; a chair the clinic does not have is never deviable.
    """
    if chair is not None and not clinic.has_chair(chair):
        raise RuleViolation(
            "no_such_chair", f"The clinic has {clinic.chairs} chairs: choose a chair from 1 to {clinic.chairs}."
        )
    start, end = span(scheduled_for, duration_min)
    if not clinic.is_open(start, end):
        local = clinic.local(start)
        hours = clinic.hours_on(local.date())
        opening = f"{hours.opens:%H:%M} to {hours.closes:%H:%M}" if hours else "closed"
        message = (
            f"{local:%Y-%m-%d %H:%M %Z} for {int((end - start).total_seconds() // 60)} min is outside the "
            f"clinic's hours that day ({opening})."
        )
        if deviable is not None:
            deviable("outside_clinic_hours", message)
        else:
            raise RuleViolation("outside_clinic_hours", message, deviable=True)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals: a booking ending at 10:00 leaves the chair free for one at 10:00."""
    return a_start < b_end and b_start < a_end


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
