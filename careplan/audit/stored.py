"""Reading a journey's rows as the store holds them, not as the aggregate remembers them.

The verifier must not trust the aggregate: a repository may rebuild a journey from a snapshot, and a
snapshot could have been altered together with the event it hides. So rows are read straight from
the application's recorders and decoded (decrypted, when encryption at rest is on) with the
application's own mapper, one row at a time, so one bad row is named and not fatal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from careplan.domain import chain
from careplan.domain.journey import PatientJourney, deviation_of
from careplan.domain.values import Actor, Fact

JOURNEY_TOPIC_PREFIX = get_topic(PatientJourney) + "."
PAGE = 500


class Undecodable(Exception):
    """A stored row that cannot be read back; the message says why without echoing its content."""


@dataclass(frozen=True)
class Row:
    """One stored event of a journey: its stored version and, if it could be read, its fact."""

    version: int
    fact: Fact | None
    problem: str | None = None


def journey_ids(app: Application) -> list[UUID]:
    """Every journey with at least one stored row, whichever row survives, in order of first row."""
    seen: dict[UUID, None] = {}
    start = 1
    while True:
        batch = app.recorder.select_notifications(start=start, limit=PAGE)
        for notification in batch:
            if notification.topic.startswith(JOURNEY_TOPIC_PREFIX):
                seen.setdefault(UUID(str(notification.originator_id)), None)
        if len(batch) < PAGE:
            return list(seen)
        start = batch[-1].id + 1


def rows(app: Application, journey_id: UUID) -> list[Row]:
    """The journey's stored events in stored-version order, each decoded on its own."""
    return [_row(app.mapper, stored) for stored in app.recorder.select_events(journey_id)]


def _row(mapper: Mapper[Any], stored: StoredEvent) -> Row:
    try:
        return Row(stored.originator_version, decode(mapper, stored))
    except Undecodable as error:
        return Row(stored.originator_version, None, str(error))


def decode(mapper: Mapper[Any], stored: StoredEvent) -> Fact:
    """The fact a stored event carries, with the same values the aggregate hashed."""
    if not stored.topic.startswith(JOURNEY_TOPIC_PREFIX):
        raise Undecodable("the row names an event type that is not a journey's")
    try:
        event: Any = mapper.to_domain_event(stored)
    except Exception:
        if mapper.cipher is not None:
            raise Undecodable(
                "the row cannot be decrypted and authenticated with the store's key: it was altered "
                "or written with another key"
            ) from None
        raise Undecodable("the row cannot be decoded: its stored bytes were altered") from None
    try:
        if isinstance(event, PatientJourney.JourneyOpened):
            data = PatientJourney.opening_data(
                event.patient_ref, event.protocol, event.protocol_version, getattr(event, "previous_journey_id", None)
            )
        elif isinstance(event, PatientJourney.Recorded):
            data = event.data
        else:
            raise Undecodable("the row names an event type that is not a journey's")
        fact = Fact(
            version=stored.originator_version,
            type=type(event).__name__,
            occurred_at=event.occurred_at,
            recorded_at=event.timestamp,
            actor=event.actor,
            reason=event.reason,
            data=data,
            hash=event.hash,
            deviation=deviation_of(event)[0],
            deviated=deviation_of(event)[1],
        )
    except AttributeError:
        raise Undecodable("the row lacks a field every journey event has") from None
    if not isinstance(fact.actor, Actor) or not isinstance(fact.hash, str):
        raise Undecodable("the row's actor or hash is not of the stored kind")
    return fact


def link_of(fact: Fact, previous: str, journey_id: UUID, version: int | None = None) -> str:
    """The hash this fact should carry after ``previous`` (optionally as if it stood at ``version``)."""
    try:
        return chain.link(
            previous,
            journey_id=journey_id,
            version=fact.version if version is None else version,
            event_type=fact.type,
            occurred_at=fact.occurred_at,
            recorded_at=fact.recorded_at,
            actor=fact.actor,
            reason=fact.reason,
            data=fact.data,
            deviation=fact.deviation,
            deviated=fact.deviated,
        )
    except (TypeError, ValueError):
        return ""


def snapshots(app: Application, journey_id: UUID) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """Each stored snapshot of the journey: its version and its decoded state (None if unreadable)."""
    store = app.snapshots
    if store is None:
        return
    for stored in store.recorder.select_events(journey_id):
        try:
            state = dict(store.mapper.to_domain_event(stored).state)  # type: ignore[attr-defined]
        except Exception:
            state = None
        yield stored.originator_version, state
