"""Loading a journey so that what it shows is what is stored.

A snapshot is a cache of the fold, kept beside the events; it is used only when its head (the hash
chain's head it keeps) is the hash of the stored event at its version. Otherwise (a snapshot of a
save that lost a race, before that was fixed; one altered or copied from another journey) it is
left unused, logged once, and the journey is replayed from its events; ``careplan verify --repair``
drops it.

Then the first event after the snapshot must chain onto its head, and the newest event onto the one
before it. A row can be added only after the newest (the store's unique key), and a row copied from
another place never chains (its owner and version are in its hash), so a row copied or added
outside the application is always one of the two checked here. It costs one event read more than the
library's load (the event at the snapshot's version) and two hashes.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from careplan.domain import chain
from careplan.domain.journey import PatientJourney, fact_of
from careplan.integrity import decoded, once, refuse

JOURNEY = "journey"
_CHAINED = (PatientJourney.JourneyOpened, PatientJourney.Recorded)


def load_journey(app: Application[UUID], journey_id: UUID, version: int | None = None) -> Any:
    """The aggregate stored under ``journey_id`` (up to ``version``), or None when nothing is stored.
    ``BrokenRecord`` when its rows do not hold together; ``StoreUnreadable`` for a wrong key."""
    journey = _snapshot(app, journey_id, version)
    recorder: Any = app.recorder
    if journey is not None:
        rows = recorder.select_events(journey_id, gt=journey.version - 1, lte=version)
        events = decoded(app.mapper, rows, JOURNEY, journey_id, opened=True)
        if events and events[0].originator_version == journey.version and getattr(events[0], "hash", None) == journey.head:
            return _fold(journey_id, journey, events[1:])
        once(
            "snapshot", journey_id, journey.version,
            "The snapshot of journey %s at version %d is not used: its head is not the stored event's hash "
            "(`careplan verify --repair` drops it)", journey_id, journey.version,
        )  # fmt: skip
    rows = recorder.select_events(journey_id, lte=version)
    return _fold(journey_id, None, decoded(app.mapper, rows, JOURNEY, journey_id))


def _snapshot(app: Application[UUID], journey_id: UUID, version: int | None) -> PatientJourney | None:
    """The journey from its latest snapshot (at or before ``version``), if one is stored and opens."""
    if app.snapshots is None:
        return None
    recorder: Any = app.snapshots.recorder
    for row in recorder.select_events(journey_id, desc=True, limit=1, lte=version):
        try:
            snapshot = app.mapper.to_domain_event(row)
        except Exception:  # altered, copied from another place: the events still say what happened
            snapshot = None
        journey = snapshot.mutate(None) if isinstance(snapshot, PatientJourney.Snapshot) else None
        if isinstance(journey, PatientJourney):
            return journey
        once("snapshot", journey_id, row.originator_version, "The snapshot of journey %s at version %d does not open; it is not used", journey_id, row.originator_version)
    return None


def load_history(app: Application[UUID], journey_id: UUID, upto: int | None = None) -> list[Any]:
    """The journey's stored events (to ``upto``), with the same checks as a load: a history shows no
    row that a load would refuse."""
    recorder: Any = app.recorder
    events = decoded(app.mapper, recorder.select_events(journey_id, lte=upto), JOURNEY, journey_id)
    return checked_history(journey_id, events)


def checked_history(journey_id: UUID, events: list[Any]) -> list[Any]:
    """A journey's events from its opening, held to the checks of ``load_history``: for a reader that
    has them already (the read model's catch-up, which decoded them from the notification log)."""
    _check_ends(journey_id, chain.GENESIS, events)
    return events


def _fold(journey_id: UUID, journey: PatientJourney | None, events: list[Any]) -> Any:
    """Folds the events after ``journey`` (None: from the opening), checking the first and last links."""
    _check_ends(journey_id, journey.head if journey is not None else chain.GENESIS, events)
    return _replay(journey, events)


def _check_ends(journey_id: UUID, previous: str, events: list[Any]) -> None:
    """The first event must chain onto ``previous``, the last onto the one before it."""
    if not events or not all(isinstance(e, _CHAINED) for e in (events[0], events[-1])):
        return  # no journey's (the caller refuses another aggregate's id)
    _check(journey_id, events[0], previous)
    if len(events) > 1:
        _check(journey_id, events[-1], events[-2].hash)


def _check(journey_id: UUID, event: Any, previous: str) -> None:
    if not chain.holds(fact_of(event), previous, journey_id):
        raise refuse(JOURNEY, journey_id, event.originator_version, "the event does not chain onto the one before it")


def _replay(aggregate: Any, events: list[Any]) -> Any:
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate
