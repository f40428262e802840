"""The clinic: its time zone, opening hours per weekday and number of infusion chairs.

Every instant the engine stores is UTC; the clinic's zone is what turns them into the days and hours
that people at the clinic live by. "Today" is the clinic's local day, whose length is 23 or 25 hours
across a daylight-saving change, so day bounds are computed through the zone, never as 24 hours.
A local time that falls in the spring gap does not exist and is refused (:class:`NonexistentLocalTime`);
one in the autumn overlap happens twice and is taken as its first, earlier occurrence (``fold=0``),
the reading a clinic's paper schedule would give it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

CRISIS_LINE_988 = (
    "If you are thinking about harming yourself, call or text 988 (the 988 Suicide & Crisis Lifeline, "
    "US) at any time, or call 911 in an emergency."
)
"""The crisis line a patient's page shows when an answer signals self-harm, unless the clinic file
gives its own (``crisis_line``)."""

WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by a daylight-saving change (e.g. 02:30 on the March change)."""

    def __init__(self, local: datetime, zone: ZoneInfo) -> None:
        super().__init__(
            f"{local:%Y-%m-%d %H:%M} does not exist in {zone.key}: the clocks skip that hour for daylight "
            "saving. Give a time before or after the change."
        )


@dataclass(frozen=True)
class Hours:
    """One weekday's opening hours, local wall-clock times; ``opens < closes`` within one day."""

    opens: time
    closes: time


@dataclass(frozen=True)
class Clinic:
    zone: ZoneInfo
    hours: dict[str, Hours | None]
    """Weekday name (``WEEKDAYS``) to its hours; None means closed that day."""
    chairs: int
    on_call: str | None = None
    """Whom a self-harm or vitals alert pages: an email address or a phone number (DESIGN 7.7)."""
    medical_director: str | None = None
    """Whom an alert still unacknowledged ``safety.page_ack_minutes`` after the page pages too."""
    crisis_line: str = CRISIS_LINE_988
    """The words a patient reads when an answer signals self-harm."""

    # -- local time --------------------------------------------------------------------------------

    @property
    def zone_name(self) -> str:
        return self.zone.key

    def local(self, moment: datetime) -> datetime:
        """An aware instant on the clinic's wall clock (a naive one is taken as UTC, as the store keeps)."""
        aware = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
        return aware.astimezone(self.zone)

    def to_utc(self, wall: datetime) -> datetime:
        """A naive wall-clock time at the clinic as a UTC instant; NonexistentLocalTime in a DST gap."""
        if wall.tzinfo is not None:
            return wall.astimezone(timezone.utc)
        first = wall.replace(tzinfo=self.zone, fold=0)
        round_trip = first.astimezone(timezone.utc).astimezone(self.zone).replace(tzinfo=None)
        if round_trip != wall:
            raise NonexistentLocalTime(wall, self.zone)
        return first.astimezone(timezone.utc)

    def today(self, now: datetime) -> date:
        return self.local(now).date()

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """The UTC instants where the clinic's local ``day`` starts and the next one starts."""
        return self._midnight(day), self._midnight(day + timedelta(days=1))

    def _midnight(self, day: date) -> datetime:
        # A zone may skip midnight itself (a few do); the day then starts at the first instant after it.
        wall = datetime.combine(day, time(0))
        try:
            return self.to_utc(wall)
        except NonexistentLocalTime:
            return self.to_utc(wall + timedelta(hours=1))

    # -- opening hours and chairs ------------------------------------------------------------------

    def hours_on(self, day: date) -> Hours | None:
        return self.hours.get(WEEKDAYS[day.weekday()])

    def opening_bounds(self, day: date) -> tuple[datetime, datetime] | None:
        """The UTC instants the clinic opens and closes on its local ``day``; None if it is closed."""
        hours = self.hours_on(day)
        if hours is None:
            return None
        return self.to_utc(datetime.combine(day, hours.opens)), self.to_utc(datetime.combine(day, hours.closes))

    def is_open(self, start: datetime, end: datetime) -> bool:
        """Whether ``start`` to ``end`` lies within one local day's opening hours."""
        if end <= start:
            return False
        bounds = self.opening_bounds(self.local(start).date())
        return bounds is not None and bounds[0] <= start and end <= bounds[1]

    def has_chair(self, chair: int) -> bool:
        return 1 <= chair <= self.chairs


def clinic(
    zone: str,
    hours: dict[str, Hours | None],
    chairs: int,
    on_call: str | None = None,
    medical_director: str | None = None,
    crisis_line: str | None = None,
) -> Clinic:
    """A clinic from plain values; KeyError (zoneinfo's) for an unknown zone name."""
    days = {day: hours.get(day) for day in WEEKDAYS}
    return Clinic(ZoneInfo(zone), days, chairs, on_call, medical_director, crisis_line or CRISIS_LINE_988)
