"""The chair ledger: which chair is booked when, across every journey, kept race-free in the store.

A double booking is a rule across journeys, which no one journey's aggregate can judge. So each
booking with a chair takes a row of ``chair_bookings`` in the same database as the events, BEFORE
the event is saved: the overlap check and the insert run in one transaction under a lock (SQLite's
``BEGIN IMMEDIATE`` write lock; on PostgreSQL a transaction-scoped advisory lock), so of two
coordinators booking the same chair at once exactly one wins and the other gets ``chair_taken``.

The row is removed again when the save fails (a lost race on the journey, a crash of the request),
and when the appointment is over: after every save the journey's rows are reconciled with its open
appointments, so cancelling, holding or completing the infusion frees the chair. A process that dies
between the row and the event leaves an orphan; it is recognised (its journey has no such open
appointment) once older than ``IN_FLIGHT``, and cleared by the booking that meets it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from careplan.adapters.side_tables import Run, SideTables
from careplan.domain import catalogue
from careplan.domain.booking import Booking, span
from careplan.domain.clinic import Clinic
from careplan.domain.errors import CarePlanError, UnknownJourney
from careplan.domain.values import Fact

if TYPE_CHECKING:
    from careplan.application import CarePlan
    from careplan.domain.journey import PatientJourney

LEDGER_LOCK_KEY = 7_340_111
"""PostgreSQL advisory lock serialising the overlap check and the insert of chair bookings."""
IN_FLIGHT = timedelta(seconds=60)
"""A row younger than this may belong to an event being saved right now: never taken for an orphan."""

TABLES = (
    """CREATE TABLE IF NOT EXISTS chair_bookings (
        journey_id TEXT NOT NULL,
        scheduled_version INTEGER NOT NULL,
        chair INTEGER NOT NULL,
        start_ts TEXT NOT NULL,
        end_ts TEXT NOT NULL,
        reserved_at TEXT NOT NULL,
        done_at TEXT,
        PRIMARY KEY (journey_id, scheduled_version)
    )""",
    "CREATE INDEX IF NOT EXISTS chair_bookings_by_time ON chair_bookings (start_ts, chair)",
)
SETTLING = catalogue.SETTLING
"""The events that can end, move or give back a booking (each class's ``About.settles_booking``); after
any other, ``settle`` has nothing to do."""
GRANTS = {"chair_bookings": "SELECT, INSERT, UPDATE, DELETE"}
"""What the application's role does with the ledger (``careplan db setup``): bookings come and go."""


@dataclass(frozen=True)
class LedgerRow:
    booking: Booking
    journey_id: UUID
    version: int
    done_at: datetime | None
    """When the infusion was given; the patient is then observed in the chair until the booking ends."""


class ChairTaken(CarePlanError):
    """Another booking (of any journey) holds the chair for part of the time asked for: HTTP 409."""

    code = "chair_taken"

    def __init__(self, chair: int, start: datetime, end: datetime) -> None:
        super().__init__(
            f"Chair {chair} is booked from {_iso(start)} to {_iso(end)}: choose another chair or time "
            "(GET /journeys/{id}/slots proposes free ones)."
        )
        self.chair = chair
        self.start = start
        self.end = end


def _iso(moment: datetime) -> str:
    """Fixed-width UTC text, so the ledger's text columns compare as instants in both dialects."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def stored_form(chair: int, scheduled_for: Any, duration_min: int | None) -> tuple[int, str, str]:
    """A booking's chair, start and end as its ledger row holds them (what ``verify`` compares)."""
    start, end = span(_when(scheduled_for), duration_min)
    return int(chair), _iso(start), _iso(end)


def stored_time(moment: datetime) -> str:
    """A moment as the ledger's text columns hold it (``done_at``)."""
    return _iso(moment)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


class ChairLedger:
    """Bookings of the clinic's chairs; one per application, made by ``build_app``."""

    def __init__(self, app: CarePlan, clinic: Clinic) -> None:
        self.app = app
        self.clinic = clinic
        self.tables = SideTables(app)
        self.tables.create(TABLES)

    # -- the hooks CarePlan.change calls -----------------------------------------------------------

    def reserve(self, journey_id: UUID, recorded: Sequence[Fact]) -> list[int]:
        """Checks the bookings among ``recorded`` and takes their chairs; the versions taken."""
        bookings = [f for f in recorded if f.type == "InfusionScheduled"]
        if not bookings:
            return []
        # Hours and chair numbers were judged by the domain's rule with this clinic (CarePlan passes it),
        # where a deviation may waive the hours; only the chair's other bookings are checked here.
        wanted = [f for f in bookings if f.data.get("chair") is not None]
        if not wanted:
            return []
        with self.tables.cursor(commit=True) as run:
            self._lock(run)
            for fact in wanted:
                chair = int(fact.data["chair"])
                start, end = span(_when(fact.data["scheduled_for"]), fact.data.get("duration_min"))
                for clash in self._clashes(run, chair, start, end):
                    if not self._orphan(run, clash):
                        raise ChairTaken(chair, start, end)
                run(
                    "INSERT INTO chair_bookings (journey_id, scheduled_version, chair, start_ts, end_ts, reserved_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (str(journey_id), fact.version, chair, _iso(start), _iso(end), _iso(self.app.clock())),
                )
        return [f.version for f in wanted]

    def release(self, journey_id: UUID, versions: Sequence[int]) -> None:
        """The save failed: the chairs it had taken are free again."""
        if not versions:
            return
        with self.tables.cursor(commit=True) as run:
            for version in versions:
                run(
                    "DELETE FROM chair_bookings WHERE journey_id = ? AND scheduled_version = ?",
                    (str(journey_id), version),
                )

    def settle(self, journey: PatientJourney, recorded: Sequence[Fact] = ()) -> None:
        """After a save: an appointment that is over frees its chair. A held, cancelled or corrected one
        goes; one whose infusion was given stays, marked done, until its time in the chair is over
        (the patient is observed there before discharge, which the day view shows)."""
        if not any(f.type in SETTLING for f in recorded) and recorded:
            return  # a note, a PHQ-9, vitals: nothing that ends a booking, so no query on the hot path
        open_versions = {a.version for a in journey.chart.appointments if a.state == "scheduled"}
        given = next((f for f in recorded if f.type == "InfusionCompleted"), None)
        with self.tables.cursor(commit=True) as run:
            rows = run(
                "SELECT scheduled_version FROM chair_bookings WHERE journey_id = ? AND done_at IS NULL",
                (str(journey.id),),
            )
            for (version,) in rows:
                if version in open_versions or version > journey.version:
                    continue
                key = (str(journey.id), version)
                if given is not None:
                    run(
                        "UPDATE chair_bookings SET done_at = ? WHERE journey_id = ? AND scheduled_version = ?",
                        (_iso(given.occurred_at), *key),
                    )
                    given = None
                else:
                    run("DELETE FROM chair_bookings WHERE journey_id = ? AND scheduled_version = ?", key)

    def adopt(self, journey: PatientJourney) -> None:
        """Takes the chairs of a journey saved without ``change`` (the demo cohort, which plans its own
        chairs so that they never overlap), for its open appointments."""
        with self.tables.cursor(commit=True) as run:
            for a in journey.chart.appointments:
                if a.state != "scheduled" or a.chair is None:
                    continue
                start, end = span(a.scheduled_for, a.duration_min)
                run(
                    "INSERT INTO chair_bookings (journey_id, scheduled_version, chair, start_ts, end_ts, reserved_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (str(journey.id), a.version, a.chair, _iso(start), _iso(end), _iso(self.app.clock())),
                )

    # -- queries -----------------------------------------------------------------------------------

    def between(self, start: datetime, end: datetime) -> list[tuple[Booking, UUID, int]]:
        """Every chair booking overlapping ``start`` to ``end``, with its journey and version."""
        return [(r.booking, r.journey_id, r.version) for r in self.rows(start, end)]

    def rows(self, start: datetime, end: datetime) -> list[LedgerRow]:
        """The ledger's rows overlapping ``start`` to ``end``, by time and chair (the day view's)."""
        with self.tables.cursor(commit=False) as run:
            rows = run(
                "SELECT chair, start_ts, end_ts, journey_id, scheduled_version, done_at FROM chair_bookings "
                "WHERE start_ts < ? AND end_ts > ? ORDER BY start_ts, chair",
                (_iso(end), _iso(start)),
            )
        return [
            LedgerRow(Booking(int(c), _moment(s), _moment(e)), UUID(j), int(v), _moment(d) if d else None)
            for c, s, e, j, v, d in rows
        ]

    # -- inside the lock ---------------------------------------------------------------------------

    def _lock(self, run: Run) -> None:
        if self.tables.postgres:
            run("SELECT pg_advisory_xact_lock(?)", (LEDGER_LOCK_KEY,))
        # SQLite: the cursor's BEGIN IMMEDIATE already holds the database's write lock.

    def _clashes(self, run: Run, chair: int, start: datetime, end: datetime) -> list[tuple[Any, ...]]:
        return run(
            "SELECT journey_id, scheduled_version, reserved_at FROM chair_bookings "
            "WHERE chair = ? AND start_ts < ? AND end_ts > ?",
            (chair, _iso(end), _iso(start)),
        )

    def _orphan(self, run: Run, clash: tuple[Any, ...]) -> bool:
        """A row whose event never landed (its process died between the two); removed if so."""
        journey_id, version, reserved_at = clash
        if self.app.clock() - _moment(reserved_at) < IN_FLIGHT:
            return False
        try:
            journey = self.app.get(UUID(journey_id))
        except UnknownJourney:
            journey = None
        if journey is not None and any(a.version == version for a in journey.chart.appointments):
            return False
        run("DELETE FROM chair_bookings WHERE journey_id = ? AND scheduled_version = ?", (journey_id, version))
        return True


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
