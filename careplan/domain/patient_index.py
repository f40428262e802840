"""One open journey per patient reference, guaranteed by the event store's own unique key.

Each patient reference has a ``PatientIndex`` aggregate whose id is derived from the reference (a
UUID5 of a keyed hash, so the stored id does not spell the reference). Opening a journey claims the
index in the same save as the journey's first event; two openings racing for one reference both
write the index's next version, the store's unique (id, version) key lets exactly one through, and
the loser, re-reading the index, finds the journey the winner opened. This holds on SQLite and
PostgreSQL alike and needs no table of its own. Closing the journey releases the index in the same
save as ``JourneyClosed``, and marking that close entered in error claims it again in the same save
(refused while the reference has another open journey: two open courses would be the very fault the
index exists to prevent). The index keeps the reference's journeys in the order they were opened,
so a course can name the course before and after it. Journeys opened before the index existed are
taken in by ``careplan index backfill`` (``Backfilled``), which never moves an open journey it holds.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from careplan.domain.patient import PatientDetails

NAMESPACE = UUID("6f1d3c2e-5b7a-4e8f-9a0b-1c2d3e4f5a6b")
_KEY = b"careplan patient index v1"
"""A fixed key: it keeps a bare list of references from being matched against stored ids by a plain
UUID5, and it must never change, or the open journeys of a store could no longer be found."""


def index_id(patient_ref: str) -> UUID:
    digest = hmac.new(_KEY, patient_ref.encode("utf-8"), hashlib.sha256).hexdigest()
    return uuid5(NAMESPACE, digest)


class PatientIndex(Aggregate):
    """Which journey of a patient reference is open (at most one), and the journeys opened for it."""

    class Started(Aggregate.Created):
        """No fields: the reference itself is not stored here, only in the journeys."""

    class Claimed(Aggregate.Event):
        journey_id: UUID

        def apply(self, aggregate: Aggregate) -> None:
            index = aggregate
            assert isinstance(index, PatientIndex)
            index.open_journey = self.journey_id
            index.journeys = [*index.journeys, self.journey_id]

    class Released(Aggregate.Event):
        journey_id: UUID

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PatientIndex)
            if aggregate.open_journey == self.journey_id:
                aggregate.open_journey = None

    class Reopened(Aggregate.Event):
        """A closed journey's close was marked entered in error: it is the reference's open one again."""

        journey_id: UUID

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PatientIndex)
            aggregate.open_journey = self.journey_id
            if self.journey_id not in aggregate.journeys:  # a course from before the index existed
                aggregate.journeys = [*aggregate.journeys, self.journey_id]

    class Backfilled(Aggregate.Event):
        """``careplan index backfill`` set the index from the store: every journey of the reference in
        the order they were opened (journeys from before the index included), and the open one."""

        journeys: list[UUID]
        open_journey: UUID | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PatientIndex)
            aggregate.journeys = list(self.journeys)
            aggregate.open_journey = self.open_journey

    class PatientDetailsRecorded(Aggregate.Event):
        """Who the patient is (DESIGN 7.3): the whole set of details as now known, replacing the last.
        Kept here, on the patient's own aggregate, never in a journey's events; encrypted at rest like
        every event. Who recorded it is kept for the audit (an account id and a role, no name)."""

        details: dict[str, Any]
        actor_id: str
        actor_role: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PatientIndex)
            aggregate.details = dict(self.details)

    def __init__(self) -> None:
        self.open_journey: UUID | None = None
        self.journeys: list[UUID] = []
        self.details: dict[str, Any] = {}

    @classmethod
    def start(cls, patient_ref: str) -> PatientIndex:
        return cls._create(cls.Started, id=index_id(patient_ref))

    def claim(self, journey_id: UUID) -> None:
        if self.open_journey is not None:
            raise ValueError("the reference already has an open journey")
        self.trigger_event(self.Claimed, journey_id=journey_id)

    def release(self, journey_id: UUID) -> None:
        if self.open_journey == journey_id:
            self.trigger_event(self.Released, journey_id=journey_id)

    def reopen(self, journey_id: UUID) -> None:
        """Makes a journey whose close was undone the open one; refused while another is open."""
        if self.open_journey == journey_id:
            return
        if self.open_journey is not None:
            raise ValueError("the reference already has an open journey")
        self.trigger_event(self.Reopened, journey_id=journey_id)

    def backfill(self, journeys: list[UUID], open_journey: UUID | None) -> None:
        """Takes in journeys the index never saw (opened before it existed): ``journeys`` is every journey
        of the reference in the order the store took their openings. Nothing the index holds is dropped,
        and an open journey it holds stays the open one."""
        if not set(self.journeys) <= set(journeys):
            raise ValueError("a backfill keeps every journey the index already holds")
        if self.open_journey is not None and open_journey != self.open_journey:
            raise ValueError("a backfill leaves the indexed open journey alone")
        if open_journey is not None and open_journey not in journeys:
            raise ValueError("the open journey must be one of the reference's journeys")
        if journeys != self.journeys or open_journey != self.open_journey:
            self.trigger_event(self.Backfilled, journeys=list(journeys), open_journey=open_journey)

    def record_details(self, details: PatientDetails, *, actor_id: str, actor_role: str) -> bool:
        """Records the patient's details when they differ from what is known; True if recorded."""
        data = details.as_data()
        if data == self.patient.as_data():
            return False
        self.trigger_event(self.PatientDetailsRecorded, details=data, actor_id=actor_id, actor_role=actor_role)
        return True

    @property
    def patient(self) -> PatientDetails:
        """What is known of who the patient is (nothing, for an index from before details existed)."""
        return PatientDetails.stored(self.details) if getattr(self, "details", None) else PatientDetails()

    def course_number(self, journey_id: UUID) -> int | None:
        """Which course of the patient this journey is (1 for the first), if the index holds it."""
        return self.journeys.index(journey_id) + 1 if journey_id in self.journeys else None

    @property
    def last_journey(self) -> UUID | None:
        return self.journeys[-1] if self.journeys else None

    def neighbours(self, journey_id: UUID) -> tuple[UUID | None, UUID | None]:
        """The courses opened just before and just after this one for the same reference."""
        if journey_id not in self.journeys:
            return None, None
        at = self.journeys.index(journey_id)
        before = self.journeys[at - 1] if at > 0 else None
        after = self.journeys[at + 1] if at + 1 < len(self.journeys) else None
        return before, after
