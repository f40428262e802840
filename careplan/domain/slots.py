"""The next slots a journey may be booked into, one or a whole series, judged by the booking's rules.

A slot is a start on the half hour inside one day's opening hours, on a chair free for its whole span,
that the timing rules of an infusion at that time accept (``require_bookable``: the 24 h floor, the
spacing start to start, the induction window), with the journey's open bookings counted as given
(DESIGN 7.2). The rules are the chair's own functions, so a slot proposed here is a booking accepted
there. A series is found slot by slot: each one found is counted as booked for the next.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

from careplan.domain.booking import DEFAULT_DURATION_MIN, SEARCH_DAYS, SLOT_STEP, Booking, overlaps
from careplan.domain.clinic import Clinic
from careplan.domain.errors import RuleViolation
from careplan.domain.families.infusion import as_if_given, planned, require_bookable
from careplan.domain.record import ClinicalRecord, Infusion


def infusion_phase(record: ClinicalRecord) -> str:
    """The phase a booking is for when the caller names none: maintenance once decided on."""
    return "maintenance" if record.decided("maintenance") else "induction"


def free_slots(
    clinic: Clinic,
    record: ClinicalRecord,
    taken: Iterable[Booking],
    after: datetime,
    limit: int,
    duration_min: int = DEFAULT_DURATION_MIN,
    phase: str | None = None,
    now: datetime | None = None,
) -> list[Booking]:
    """The next ``limit`` starts from ``after`` that a booking would be accepted at, each with the lowest
    free chair; ``now`` (default ``after``) decides which open bookings are still plans."""
    after = _utc(after)
    basis = as_if_given(record, planned(record, _utc(now or after)))
    booked = list(taken)
    found: list[Booking] = []
    for slot in _acceptable(clinic, basis, booked, after, duration_min, phase or infusion_phase(record)):
        found.append(slot)
        if len(found) >= limit:
            break
    return found


def series_slots(
    clinic: Clinic,
    record: ClinicalRecord,
    taken: Iterable[Booking],
    after: datetime,
    count: int,
    duration_min: int = DEFAULT_DURATION_MIN,
    phase: str | None = None,
    now: datetime | None = None,
) -> list[Booking]:
    """``count`` starts that together keep spacing, window, hours and free chairs, each the earliest
    after the one before (so the series fits the window if any series from ``after`` does). Fewer when
    no further one fits: the caller says so rather than book part of a series."""
    which = phase or infusion_phase(record)
    after = _utc(after)
    basis = as_if_given(record, planned(record, _utc(now or after)))
    booked = list(taken)
    minutes = timedelta(minutes=record.protocol.dose.duration_min_at_least)
    found: list[Booking] = []
    lower = after
    for _ in range(count):
        slot = next(iter(_acceptable(clinic, basis, booked, lower, duration_min, which)), None)
        if slot is None:
            break
        found.append(slot)
        booked.append(slot)
        # Every earlier start was refused with fewer bookings counted: the next one lies after this one.
        lower = slot.start
        basis = as_if_given(basis, [Infusion(0, which, slot.start + minutes, started_at=slot.start)])
    return found


def _acceptable(
    clinic: Clinic, basis: ClinicalRecord, booked: list[Booking], after: datetime, duration_min: int, phase: str
) -> Iterator[Booking]:
    length = timedelta(minutes=duration_min)
    for start in _starts(clinic, after, length):
        end = start + length
        try:
            require_bookable(basis, phase, start)
        except RuleViolation as refused:
            if refused.code == "induction_window_exceeded" and _past_window(basis, start):
                return  # every later start is past the window too
            continue
        chair = next(
            (
                c
                for c in range(1, clinic.chairs + 1)
                if not any(b.chair == c and overlaps(start, end, b.start, b.end) for b in booked)
            ),
            None,
        )
        if chair is not None:
            yield Booking(chair, start, end)


def _past_window(basis: ClinicalRecord, start: datetime) -> bool:
    series = basis.current_series()
    return bool(series) and start > min(i.occurred_at for i in series)


def _starts(clinic: Clinic, lower: datetime, length: timedelta) -> Iterator[datetime]:
    day = clinic.today(lower)
    for _ in range(SEARCH_DAYS):
        bounds = clinic.opening_bounds(day)
        day += timedelta(days=1)
        if bounds is None:
            continue
        start, close = bounds
        while start + length <= close:
            if start >= lower:
                yield start
            start += SLOT_STEP


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
