"""Journeys brought up to date from the notifications themselves, not reloaded from the store.

The projector reads the notification log anyway; decoding those same records and folding them onto
the journey it built last time costs each event once, where ``app.get`` per changed journey read and
folded the whole history again (two queries and every event, per journey, per batch). A journey is
folded here only when the cache holds it at the version just before the batch's first event for it,
or when the batch starts at its first event; anything else (an evicted or never-seen journey, a gap)
falls back to one ``app.get``. The cache is bounded (least recently used first out).

Each notification is decoded by the application's mapper (the library's, with the orjson transcoder
and rows opened at their place) and folded with the library's ``event.mutate``, as a load does.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from careplan.adapters.event_tables import latest_snapshots
from careplan.application import CarePlan
from careplan.domain.errors import UnknownJourney
from careplan.domain.journey import PatientJourney, fact_of
from careplan.domain.values import Fact
from careplan.loading import checked_history

CACHE_SIZE = 20_000

Change = tuple[int, Any]
"""One stored event of a journey as the fold takes it: its version, and the library's event."""


class JourneyFolder:
    def __init__(self, app: CarePlan, size: int = CACHE_SIZE) -> None:
        self.app = app
        self.size = size
        self._cache: OrderedDict[str, PatientJourney] = OrderedDict()
        self._prefix = get_topic(PatientJourney) + "."
        self.loads = 0
        """How many journeys had to be read from the store (for the benchmark's report)."""

    def is_journey(self, topic: str) -> bool:
        return topic.startswith(self._prefix)

    def decode(self, notification: Any) -> Any:
        """A journey's notification as the fold takes it (see ``Change``)."""
        return self.app.mapper.to_domain_event(notification)

    def latest(
        self, journey_id: str, events: list[Change], folded: PatientJourney | None = None
    ) -> PatientJourney | None:
        """The journey after ``events`` (its new events in version order, possibly empty: then the
        store's current journey); ``folded`` is the journey as the caller last had it from here
        (a window that touched more journeys than the cache holds)."""
        cached = self._cache.pop(journey_id, None)
        journey = folded if folded is not None else cached
        from_opening = bool(events) and journey is None and events[0][0] == 1
        if from_opening:
            journey = None  # folded from its creation below
        elif not events or journey is None or journey.version != events[0][0] - 1:
            return self._load(journey_id)
        for _, change in events:
            if journey is None and not isinstance(change, PatientJourney.JourneyOpened):
                return self._load(journey_id)  # a recorded event needs the journey its opening made
            journey = change.mutate(journey)
        if not isinstance(journey, PatientJourney):
            return None
        if journey.needs_refold:  # a correction among the events: only the history can undo it
            journey.refold(self._history(journey_id, journey, events if from_opening else None), self.app.protocol)
        self._keep(journey_id, journey)
        return journey

    def _history(self, journey_id: str, journey: PatientJourney, events: list[Change] | None) -> list[Fact]:
        """The journey's history up to its version: ``events`` themselves when they are all of it (folded
        here from the opening: most journeys with a correction in a catch-up, whose events the log keeps
        together), else read from the store. Either way with the checks of a load."""
        if events is None or len(events) != journey.version:
            return self.app.history(UUID(journey_id), upto=journey.version)
        return [fact_of(change) for change in checked_history(UUID(journey_id), [change for _, change in events])]

    def from_snapshots(self, journey_ids: list[str]) -> dict[str, PatientJourney]:
        """The journeys among ``journey_ids`` that have a snapshot, each read from its latest one.

        A catch-up that meets a journey at its first event would decode and fold every event up to
        the snapshot; the snapshot is that fold, checked by the same property tests, read in one
        query. The journey may be ahead of the notifications read so far: its rows are then those a
        later window would write anyway, and its events up to the snapshot are skipped unread.
        """
        found: dict[str, PatientJourney] = {}
        for stored in latest_snapshots(self.app, [UUID(j) for j in journey_ids]):
            snapshot: Any = self.app.mapper.to_domain_event(stored)
            journey = snapshot.mutate(None)
            if not isinstance(journey, PatientJourney):
                continue
            if journey.needs_refold:  # an older snapshot's form: the record is rebuilt from the history
                journey.refold(self.app.history(journey.id, upto=journey.version), self.app.protocol)
            journey_id = str(journey.id)
            self._keep(journey_id, journey)
            found[journey_id] = journey
        return found

    def forget(self, journey_id: str) -> None:
        self._cache.pop(journey_id, None)

    def _load(self, journey_id: str) -> PatientJourney | None:
        self.loads += 1
        try:
            journey = self.app.get(UUID(journey_id))
        except UnknownJourney:
            return None
        self._keep(journey_id, journey)
        return journey

    def _keep(self, journey_id: str, journey: PatientJourney) -> None:
        self._cache[journey_id] = journey
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
