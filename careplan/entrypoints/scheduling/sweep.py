"""One sweep: find the journeys that owe something by ``now`` and record what they owe.

The due index (``read_due``) says which journeys have a duty at or before ``now``, so a sweep costs
what is due, not the number of journeys. Each duty is recorded through the aggregate, which takes a
key only once and retries on a version conflict: two schedulers sweeping at once, a sweep cut short by
a crash and run again, or a sweep after a week of downtime all end with each duty recorded exactly
once, at the moment it fell due.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from careplan.application import CarePlan
from careplan.domain.duties import Duty, duties, next_duty_at
from careplan.domain.errors import UnknownJourney
from careplan.domain.journey import PatientJourney
from careplan.domain.values import utc
from careplan.domain.view import evaluate
from careplan.messaging.addresses import complete
from events.read.projection import Projector, Stop
from events.read.store import ReadStore

log = logging.getLogger("careplan.scheduler")


@dataclass(frozen=True)
class Recorded:
    journey_id: UUID
    type: str
    key: str
    occurred_at: datetime


@dataclass(frozen=True)
class SweepResult:
    now: datetime
    journeys: int
    recorded: list[Recorded]


def due_journeys(store: ReadStore, now: datetime) -> list[UUID]:
    """Journeys whose earliest pending duty is at or before ``now``, earliest first."""
    with store.read() as cur:
        rows = cur.run(
            "SELECT journey_id FROM read_due WHERE next_duty_ts <= ? ORDER BY next_duty_ts, journey_id",
            (now.timestamp(),),
        ).all()
    return [UUID(r["journey_id"]) for r in rows]


def sweep(app: CarePlan, store: ReadStore, now: datetime | None = None, stop: Stop | None = None) -> SweepResult:
    """Records what is due by ``now``; with ``stop`` set (SIGTERM) it ends after the journey in hand:
    what it left is still due, and the next sweep (here or a standby's) records it."""
    now = utc(now or app.clock())
    projector = Projector(app, store, stop=stop)
    projector.catch_up()
    targets = due_journeys(store, now)
    recorded: list[Recorded] = []
    for journey_id in targets:
        if stop is not None and stop.is_set():
            break
        recorded += settle(app, store, journey_id, now)
    if recorded:
        projector.catch_up()
    if targets:
        log.info("sweep at %s: %d journeys due, %d events recorded", now.isoformat(), len(targets), len(recorded))
    return SweepResult(now, len(targets), recorded)


def settle(app: CarePlan, store: ReadStore, journey_id: UUID, now: datetime) -> list[Recorded]:
    """Records what one journey owes by ``now`` in one save, guarded by the journey's version: if
    another writer got there first, the duties are judged again on the fresh state (keys already
    recorded are left out), so nothing is written twice and nothing is lost."""
    done: list[Recorded] = []

    def command(journey: PatientJourney, at: datetime) -> None:
        done.clear()
        for _ in range(ROUNDS):  # a reminder recorded, then its message; an alert's page, then ...
            if journey.needs_refold:
                break  # a late system event (a relapse alert) was placed: the next sweep goes on
            record = journey.clinical_record(app.protocol)
            round_ = [
                Recorded(journey_id, d.type, d.key, _moment(d, now))
                for d in duties(record, evaluate(record, now), now)
                if journey.record_system(d.type, complete(app, journey, d.type, d.data), occurred_at=_moment(d, now), now=at)
            ]
            if not round_:
                break
            done.extend(round_)

    try:
        changed = app.change(journey_id, command, None)
    except UnknownJourney:
        return []
    if not done:
        _snooze(app, store, changed.journey, now)
    return done


ROUNDS = 3
"""Duties that follow from duties of the same sweep: a reminder, then the message that carries it."""


def _moment(duty: Duty, now: datetime) -> datetime:
    """A duty is dated when it fell due, except a message, which is dated when it was queued (the
    moment it is owed from is only when it could first have been: the reminder's, the link's)."""
    return now if duty.type == "NotificationQueued" and duty.occurred_at < now else duty.occurred_at


def _snooze(app: CarePlan, store: ReadStore, journey: PatientJourney, now: datetime) -> None:
    """The index said "due" but nothing is owed (another scheduler was quicker, or the projection has
    not yet seen its events): move the entry to the next real duty, for the version it was judged on."""
    journey_id = journey.id
    record = journey.clinical_record(app.protocol)
    upcoming = next_duty_at(record, evaluate(record, now), now)
    with store.write() as cur:
        cur.run(
            "UPDATE read_due SET next_duty_ts = ? WHERE journey_id = ? AND version = ? AND next_duty_ts <= ?",
            (upcoming.timestamp() if upcoming else None, str(journey_id), journey.version, now.timestamp()),
        )
