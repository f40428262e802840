"""A series of bookings in one step (DESIGN 7.2): all of them or none, in one save.

Each booking is recorded on the journey in turn, inside the one command the application saves, so the
rules judge the second with the first already counted as an open booking (spacing, window, the 24 h
floor), and the chair ledger takes every chair in the one transaction that guards double bookings. A
refusal names the booking by its 0-based ``index`` and the rule's ``code``; nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from careplan.booking import ChairTaken
from careplan.domain.booking import span
from careplan.domain.errors import CarePlanError, RuleViolation
from careplan.domain.journey import PatientJourney
from careplan.domain.values import Actor, Fact

if TYPE_CHECKING:
    from careplan.application import CarePlan

MAX_SERIES = 12
"""Two induction series' worth: more in one request is a slip, not a plan."""


@dataclass(frozen=True)
class Wanted:
    """One booking of a series: its start (aware), chair and minutes in the chair (None: the default)."""

    start: datetime
    chair: int
    duration_min: int | None = None


class SeriesRefused(CarePlanError):
    """One booking of a series is refused, so none is made: which one (``index``), and why (``code``,
    the rule's own; 409 for ``chair_taken``, else 422)."""

    def __init__(self, index: int, refused: CarePlanError) -> None:
        self.index = index
        self.code = refused.code
        self.deviable = bool(getattr(refused, "deviable", False))
        self.status = 409 if isinstance(refused, ChairTaken) else 422
        self.message = f"Booking {index + 1} of the series: {refused}"
        super().__init__(self.message)


def book_series(
    app: CarePlan,
    journey_id: UUID,
    phase: str,
    wanted: Sequence[Wanted],
    *,
    actor: Actor,
    deviation: str | None = None,
    expected_version: int | None = None,
) -> list[Fact]:
    """Books every one of ``wanted`` on the journey or none; the ``InfusionScheduled`` facts recorded."""
    at = [0]

    def command(journey: PatientJourney, now: datetime) -> None:
        for index, booking in enumerate(wanted):
            at[0] = index
            data = {"phase": phase, "scheduled_for": booking.start, "chair": booking.chair}
            if booking.duration_min is not None:
                data["duration_min"] = booking.duration_min
            journey.record(
                "InfusionScheduled",
                data,
                actor=actor,
                occurred_at=now,
                reason=None,
                now=now,
                resolve=app.protocol,
                deviation=deviation,
                clinic=app.chairs.clinic if app.chairs else None,
            )

    try:
        changed = app.change(journey_id, command, expected_version)
    except RuleViolation as refused:
        raise SeriesRefused(at[0], refused) from None
    except ChairTaken as taken:
        raise SeriesRefused(_taken_index(wanted, taken), taken) from None
    return [f for f in changed.recorded if f.type == "InfusionScheduled"]


def _taken_index(wanted: Sequence[Wanted], taken: ChairTaken) -> int:
    """The booking whose chair and time the ledger found taken (the ledger checks them in order)."""
    for index, booking in enumerate(wanted):
        if booking.chair == taken.chair and span(booking.start, booking.duration_min)[0] == taken.start:
            return index
    return 0
