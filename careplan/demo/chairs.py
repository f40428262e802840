"""The demo cohort's chair plan: every booked session inside the clinic's opening hours, on a free chair.

The cohort is written in memory before it is saved, so the plan keeps the chairs it gave out across
all the cohort's journeys (the store's ledger is filled from the saved journeys afterwards, see
``cohort.generate``). A dry run (which only measures a story's length) is given the longest delay a
booking can add, so the real story, booked on real slots, never runs past the cohort's ``now``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from careplan.domain.booking import DEFAULT_DURATION_MIN, SLOT_STEP, Booking, overlaps
from careplan.domain.clinic import Clinic

LONGEST_DELAY = timedelta(hours=20)
"""At most what snapping to a free slot adds (a target just after closing goes to the next morning)."""
DURATION = timedelta(minutes=DEFAULT_DURATION_MIN)


class ChairPlan:
    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic
        self._taken: dict[tuple[object, int], list[Booking]] = {}

    def book(self, target: datetime) -> tuple[datetime, int | None]:
        """The first free half-hour slot inside opening hours at or after ``target``, and its chair.

        A cohort larger than the clinic's chairs can treat at once (a benchmark's 10,000 patients on 4
        chairs) would push sessions out of the protocol's windows; then the session is booked at the
        first open slot without a chair (a chair is optional on a booking), as a clinic overbooked on
        paper assigns chairs on the day."""
        start = earliest = _on_grid(target)
        first_open: datetime | None = None
        for _ in range(2000):
            end = start + DURATION
            if first_open is not None and start - earliest > LONGEST_DELAY:
                return first_open, None  # never later than the dry run allowed for (LONGEST_DELAY)
            if self.clinic.is_open(start, end):
                first_open = first_open or start
                day = self.clinic.today(start)
                for chair in range(1, self.clinic.chairs + 1):
                    taken = self._taken.setdefault((day, chair), [])
                    if not any(overlaps(start, end, b.start, b.end) for b in taken):
                        taken.append(Booking(chair, start, end))
                        return start, chair
            start += SLOT_STEP
        raise RuntimeError("the demo clinic is closed for 40 days")


def dry_booking(target: datetime) -> tuple[datetime, int]:
    return _on_grid(target) + LONGEST_DELAY, 1


def _on_grid(moment: datetime) -> datetime:
    step = int(SLOT_STEP.total_seconds() // 60)
    base = moment.replace(second=0, microsecond=0)
    extra = (-base.minute) % step
    return base + timedelta(minutes=extra)
