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
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier

from careplan.application import CarePlan
from careplan.domain.errors import UnknownJourney
from careplan.domain.journey import PatientJourney

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
        if events and journey is None and events[0][0] == 1:
            journey = None  # folded from its creation below
        elif not events or journey is None or journey.version != events[0][0] - 1:
            return self._load(journey_id)
        for _, change in events:
            if journey is None and not isinstance(change, PatientJourney.JourneyOpened):
                return self._load(journey_id)  # a recorded event needs the journey its opening made
            journey = change.mutate(journey)
        if not isinstance(journey, PatientJourney):
            return None
        if journey.needs_refold:  # a correction among the events: only the stored history can undo it
            journey.refold(self.app.history(UUID(journey_id), upto=journey.version), self.app.protocol)
        self._keep(journey_id, journey)
        return journey

    def from_snapshots(self, journey_ids: list[str]) -> dict[str, PatientJourney]:
        """The journeys among ``journey_ids`` that have a snapshot, each read from its latest one.

        A catch-up that meets a journey at its first event would decode and fold every event up to
        the snapshot; the snapshot is that fold, checked by the same property tests, read in one
        query. The journey may be ahead of the notifications read so far: its rows are then those a
        later window would write anyway, and its events up to the snapshot are skipped unread.
        """
        found: dict[str, PatientJourney] = {}
        for stored in self._latest_snapshots(journey_ids):
            journey = self.app.mapper.to_domain_event(stored).mutate(None)
            if not isinstance(journey, PatientJourney):
                continue
            if journey.needs_refold:  # an older snapshot's form: the record is rebuilt from the history
                journey.refold(self.app.history(journey.id, upto=journey.version), self.app.protocol)
            journey_id = str(journey.id)
            self._keep(journey_id, journey)
            found[journey_id] = journey
        return found

    def _latest_snapshots(self, journey_ids: list[str]) -> list[StoredEvent]:
        """The latest stored snapshot of each journey that has one, in a query per 500 journeys (the
        library reads snapshots one aggregate at a time, two queries each)."""
        snapshots = self.app.snapshots
        if snapshots is None or not journey_ids:
            return []
        recorder = snapshots.recorder
        found: list[StoredEvent] = []
        for start in range(0, len(journey_ids), 500):
            chunk = [UUID(j) for j in journey_ids[start : start + 500]]
            if isinstance(recorder, PostgresAggregateRecorder):
                statement: Any = SQL(
                    "SELECT DISTINCT ON (originator_id) originator_id, originator_version, topic, state "
                    "FROM {schema}.{table} WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version DESC"
                ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
                params: list[Any] = [chunk]
            else:
                table = recorder.events_table_name
                marks = ", ".join("?" * len(chunk))
                statement = (
                    f"SELECT s.originator_id, s.originator_version, s.topic, s.state FROM {table} s JOIN "
                    f"(SELECT originator_id, MAX(originator_version) AS latest FROM {table} "
                    f"WHERE originator_id IN ({marks}) GROUP BY originator_id) m "
                    "ON s.originator_id = m.originator_id AND s.originator_version = m.latest"
                )
                params = [j.hex for j in chunk]
            with cast(Any, recorder).datastore.transaction(commit=False) as cursor:
                cursor.execute(statement, params)
                for row in cursor.fetchall():
                    found.append(
                        StoredEvent(
                            originator_id=UUID(str(row["originator_id"])),
                            originator_version=int(row["originator_version"]),
                            topic=row["topic"],
                            state=bytes(row["state"]),
                        )
                    )
        return found

    def adopt(self, other: JourneyFolder) -> None:
        """Starts from the journeys another folder holds (a forked catch-up's copy of its parent's)."""
        self._cache = other._cache

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
