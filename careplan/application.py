"""The careplan application: commands and queries on patient journeys, over the event store.

Each command is one get → command → save. Two writers racing for the same journey meet at the
store's unique (journey, version) key: with ``expected_version`` the loser is told the current version
and nothing of theirs is written; without it the command is re-run on the fresh state, so the
protocol's rules judge it against what is really there.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, NamedTuple, Required, TypedDict, Unpack
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import (
    ApplicationRecorder,
    EventStore,
    IntegrityError,
    JSONTranscoder,
    Mapper,
    Transcoder,
)
from eventsourcing.utils import Environment, get_topic

from careplan.adapters import transcodings
from careplan.adapters.decoding import OrjsonTranscoder
from careplan.adapters.sealing import SealingMapper
from careplan.adapters.settings import StoreSettings
from careplan.domain.errors import (
    JourneyExists,
    RuleViolation,
    UnknownJourney,
    UnknownProtocol,
    VersionConflict,
)
from careplan.domain.families.alerts import carried_alerts
from careplan.domain.history import History
from careplan.domain.journey import REFOLDED, PatientJourney, as_payload, fact_of
from careplan.domain.migration import MigrationReport
from careplan.domain.patient_index import PatientIndex, index_id, normal_reference, typed_index_id
from careplan.domain.payload import Payload
from careplan.domain.protocol import Protocol, ProtocolRegistry
from careplan.domain.values import Actor, Fact, utc
from careplan.domain.view import JourneyView
from careplan.loading import load_history, load_journey
from careplan.retrying import Backoff
from careplan.services import Services, build_services
from careplan.startup import starting_up

if TYPE_CHECKING:  # the ledger takes the application in, as the services do (by type only)
    from careplan.booking import ChairLedger

Clock = Callable[[], datetime]
CONTENTION_SECONDS = 10.0
DEFAULT_PROTOCOL = "ketamine-trd"
log = logging.getLogger("careplan.application")


class Changed(NamedTuple):
    """What a command did: the version it ran on, the journey after it, the facts it recorded."""

    before: int
    journey: PatientJourney
    recorded: list[Fact]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its ``assert isinstance(event, CanMutateProtocol)``:
    that is a check against a runtime ``typing.Protocol``, which walks the protocol's attributes on
    every event (about a quarter of recording one event onto a journey, measured). Every event this
    store holds is one of our aggregates' events, each with ``mutate``."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class Entry(TypedDict, total=False):
    """How a clinician's event is entered, the same for each way of recording one (``record``,
    ``submit``, ``record_facts``): who, when it happened (else now), why, against which version
    (``expected_version``: a lost race is then the caller's), and ``deviation``, a reason for departing
    from a timing rule (DESIGN 6.3)."""

    actor: Required[Actor]
    occurred_at: datetime | None
    reason: str | None
    expected_version: int | None
    deviation: str | None


class CarePlan(Application[UUID]):
    name = "careplan"
    snapshotting_intervals = {PatientJourney: 50}

    def __init__(
        self,
        store: StoreSettings,
        protocols: ProtocolRegistry,
        clock: Clock = system_clock,
    ) -> None:
        self.protocols = protocols
        self.clock = clock
        self.store = store
        self.contention_seconds = CONTENTION_SECONDS
        self.chairs: ChairLedger | None = None
        """The chair ledger, set by ``build_app`` (None for an application built without a clinic): it checks bookings
        against the clinic and takes their chairs before a save, and frees them after."""
        self._services: Services | None = None
        self.read_model: object | None = None
        """This process's read side of the application (``events.read.runtime.ReadModel``: its store,
        queries and projector), set by the composition root; ``object`` because the read side is an
        outer layer, which the application keeps for it (so it is freed with it) but never reads."""
        self._services_lock = threading.Lock()
        # Per instance on purpose: each store chooses its interval; the library reads it from here.
        self.snapshotting_intervals = {PatientJourney: store.snapshot_interval}  # type: ignore[misc]
        super().__init__(env=store.library_env())

    @property
    def services(self) -> Services:
        """The sessions, sign-in failures, access log, server keys and messaging settings of this
        application: built by the composition root (``build_app``), or by the same function
        (``careplan.services.build_services``) on first use when the application was constructed
        directly (a test, a benchmark)."""
        with self._services_lock:
            if self._services is None:
                self._services = build_services(self)
            return self._services

    @services.setter
    def services(self, services: Services) -> None:
        with self._services_lock:
            self._services = services

    def construct_env(self, name: str, env: Any = None) -> Environment:
        """Only what the settings derived, never ``os.environ``: there the library would prefer
        ``CAREPLAN_CIPHER_KEY`` (this app's name + its ``CIPHER_KEY``) to the key the settings chose,
        so an app built for another store or key (a rotation, a test) would silently use the wrong one."""
        library_env = dict(type(self).env)
        if type(self).is_snapshotting_enabled or type(self).snapshotting_intervals:
            library_env["IS_SNAPSHOTTING_ENABLED"] = "y"
        library_env.update(env or {})
        return Environment(name, library_env)

    def construct_recorder(self) -> ApplicationRecorder:
        """Every process that builds an application creates the tables it needs, so two starting at
        once on a fresh PostgreSQL database race on the catalogue: one is refused with "tuple
        concurrently updated". Retried here, not in each entry point, so no caller can miss it."""
        return starting_up(super().construct_recorder)

    def construct_snapshot_store(self) -> EventStore[UUID]:
        return starting_up(super().construct_snapshot_store)

    def construct_transcoder(self) -> Transcoder:
        """The library's JSON encoding, read back with orjson (``careplan.adapters.decoding``): every load,
        replay and catch-up decodes each event, and the standard decoder cost as much as the read."""
        transcoder = OrjsonTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def construct_mapper(self) -> Mapper[UUID]:
        """The library's mapper, sealing each row at its place when the cipher can (``careplan.adapters.sealing``)."""
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=SealingMapper)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcodings.register(transcoder)

    # -- protocols ----------------------------------------------------------------------------

    def protocol(self, protocol_id: str, version: int | None = None, *, opening: bool = False) -> Protocol:
        """A protocol version; with no version, the latest (or, for ``opening`` a journey, the version
        the clinic pinned new journeys to)."""
        try:
            if version is None and opening:
                return self.protocols.opening(protocol_id)
            return self.protocols.get(protocol_id, version)
        except KeyError:
            raise UnknownProtocol(protocol_id, version) from None

    # -- commands -----------------------------------------------------------------------------

    def open_journey(
        self,
        patient_ref: str,
        *,
        actor: Actor,
        protocol_id: str | None = None,
        protocol_version: int | None = None,
        occurred_at: datetime | None = None,
        reason: str | None = None,
        previous_journey_id: UUID | None = None,
    ) -> UUID:
        """Opens a journey, unless the patient has one that is not closed (``JourneyExists``).

        The patient is the reference compared normalised (``MRN-5`` and `` mrn-5`` are one); the
        opening stores the reference as typed, trimmed. The journey and the claim on the patient's
        index are saved together, so of two openings racing for one patient exactly one lands; the
        other is told which journey it lost to. A new course links to the patient's previous one unless
        ``previous_journey_id`` names another, and opens with that course's unresolved safety alerts.
        """
        patient_ref = patient_ref.strip(" ")
        protocol = self.protocol(protocol_id or DEFAULT_PROTOCOL, protocol_version, opening=True)
        if previous_journey_id is not None:
            self._previous_course(previous_journey_id, patient_ref)
        backoff = Backoff(self.contention_seconds)
        while True:
            index = self.patient_index(patient_ref) or PatientIndex.start(patient_ref)
            older = self._unmerged_index(patient_ref)
            for held in (index, older):
                if held is not None and held.open_journey is not None:
                    raise JourneyExists(held.open_journey)
            now = self.clock()
            opened_at = occurred_at or now
            previous = previous_journey_id or index.last_journey or (older.last_journey if older else None)
            journey = PatientJourney.open(
                patient_ref, protocol, opened_at, actor, now, reason, str(previous) if previous else None
            )
            if previous is not None:
                for alert in carried_alerts(self.get(previous).clinical_record(self.protocol), str(previous)):
                    journey.record_system(alert.event_type, alert.as_data(), occurred_at=opened_at, now=now)
            index.claim(journey.id)
            try:
                self.save(journey, index)
            except IntegrityError:
                backoff.wait()
                continue
            return journey.id

    def _unmerged_index(self, patient_ref: str) -> PatientIndex | None:
        """The index of the reference as typed, in a store from before references were normalised
        (each typed form had its own), until ``careplan index backfill`` merges it into the patient's:
        read for its open journey and previous course, never written here. None when there is none (or the
        typed form is the normal one, whose index is the patient's)."""
        typed = typed_index_id(patient_ref)
        older = self.index_at(typed) if typed != index_id(patient_ref) else None
        if older is not None and older.open_journey is not None and self.get(older.open_journey).chart.closed is not None:
            older.open_journey = None  # closed since: that older index is no longer written
        return older

    def _previous_course(self, journey_id: UUID, patient_ref: str) -> None:
        """A named previous course must be a journey of the same patient."""
        try:
            same = normal_reference(self.get(journey_id).patient_ref) == normal_reference(patient_ref)
        except UnknownJourney:
            same = False
        if not same:
            raise RuleViolation("unknown_previous_journey", "The previous course is not a journey of this patient reference.")

    def patient_index(self, patient_ref: str) -> PatientIndex | None:
        """The patient's index (the reference normalised), or None when no journey of it was indexed."""
        return self.index_at(index_id(patient_ref))

    def index_at(self, aggregate_id: UUID) -> PatientIndex | None:
        """The patient index stored under this id (``patient_index`` or an older typed form's)."""
        try:
            index: object = self.repository.get(aggregate_id, projector_func=replay)
        except AggregateNotFoundError:
            return None
        return index if isinstance(index, PatientIndex) else None

    def courses(self, journey: PatientJourney) -> tuple[UUID | None, UUID | None]:
        """The courses opened just before and after this one for the same reference (the timeline's
        "Previous course" and "Next course")."""
        index = self.patient_index(journey.patient_ref)
        before, after = index.neighbours(journey.id) if index else (None, None)
        stated = journey.chart.previous_journey_id
        return (UUID(stated) if stated else before), after

    def record(self, journey_id: UUID, event_type: str | Payload, data: dict[str, Any] | None = None, **entry: Unpack[Entry]) -> int:
        """Records a clinician's event and returns the journey's new version."""
        return self.change(journey_id, *self._entered(event_type, data, entry)).journey.version

    def submit(self, journey: PatientJourney, event_type: str | Payload, data: dict[str, Any] | None = None, **entry: Unpack[Entry]) -> Changed:
        """Records a clinician's event on a journey the caller has just loaded (a form's submit: its
        fields were drawn from it), without loading it again; returns what changed, so the caller can
        say what the event did from the journey after it. A lost race loads it afresh as ever."""
        return self.change(journey.id, *self._entered(event_type, data, entry), loaded=journey)

    def record_facts(self, journey_id: UUID, event_type: str | Payload, data: dict[str, Any] | None = None, **entry: Unpack[Entry]) -> list[Fact]:
        """Records a clinician's event and returns the facts it added: the event and what the engine
        raised with it (a safety alert), so a caller can answer without loading the journey again."""
        return self.change(journey_id, *self._entered(event_type, data, entry)).recorded

    def _entered(
        self, event_type: str | Payload, data: dict[str, Any] | None, entry: Entry
    ) -> tuple[Callable[[PatientJourney, datetime], None], int | None]:
        """The command that records the event as entered, and the version the entry was made against."""
        unknown = sorted(set(entry) - set(Entry.__annotations__))
        if unknown or "actor" not in entry:  # as a keyword-only signature would refuse them
            raise TypeError(f"an entry takes actor and {sorted(set(Entry.__annotations__) - {'actor'})}, not {unknown or 'no actor'}")
        payload = as_payload(event_type, data)  # ill-typed data is refused before the store is touched
        actor, occurred_at = entry["actor"], entry.get("occurred_at")

        def command(journey: PatientJourney, now: datetime) -> None:
            journey.record(
                payload,
                actor=actor,
                occurred_at=occurred_at or now,
                reason=entry.get("reason"),
                now=now,
                resolve=self.protocol,
                # Read only for a correction or a late entry (DESIGN 7.1): an entry in order costs no read.
                history=lambda: self.history(journey.id, upto=journey.version),
                deviation=entry.get("deviation"),
                clinic=self.chairs.clinic if self.chairs else None,
            )

        return command, entry.get("expected_version")

    def record_system(
        self, journey_id: UUID, event_type: str, data: dict[str, Any], *, occurred_at: datetime
    ) -> bool:
        """Records a scheduler's event exactly once per key; False if it was already there."""
        recorded: list[bool] = []

        def command(journey: PatientJourney, now: datetime) -> None:
            recorded[:] = [journey.record_system(event_type, data, occurred_at=occurred_at, now=now)]

        self.change(journey_id, command, None)
        return recorded[0]

    def migrate(
        self,
        journey_id: UUID,
        to_version: int,
        *,
        actor: Actor,
        reason: str | None,
        confirm: bool = False,
        expected_version: int | None = None,
    ) -> int:
        """Moves a journey to another version of its protocol (DESIGN 7.6); returns its new version.
        ``MigrationNeedsConfirmation`` (with the report) unless ``confirm`` where care would change."""

        return self.migrate_with_report(
            journey_id, to_version, actor=actor, reason=reason, confirm=confirm, expected_version=expected_version
        )[0]

    def migrate_with_report(
        self,
        journey_id: UUID,
        to_version: int,
        *,
        actor: Actor,
        reason: str | None,
        confirm: bool = False,
        expected_version: int | None = None,
    ) -> tuple[int, MigrationReport]:
        """``migrate``, returning the journey's new version and the report the migration was judged on."""
        reports: list[MigrationReport] = []

        def command(journey: PatientJourney, now: datetime) -> None:
            to = self.protocol(journey.protocol_id, to_version)
            reports[:] = [journey.migrate(to, actor=actor, reason=reason, now=now, resolve=self.protocol, confirm=confirm)]

        version = self.change(journey_id, command, expected_version).journey.version
        return version, reports[0]

    def migration_report(self, journey_id: UUID, to_version: int, *, actor: Actor, reason: str | None) -> MigrationReport:
        """The dry run of ``migrate``: what it would change now, judged by the domain; nothing recorded."""
        journey = self.get(journey_id)
        to = self.protocol(journey.protocol_id, to_version)
        return journey.migration_report(to, actor=actor, reason=reason, now=self.clock(), resolve=self.protocol)

    def change(
        self,
        journey_id: UUID,
        command: Callable[[PatientJourney, datetime], None],
        expected_version: int | None,
        loaded: PatientJourney | None = None,
    ) -> Changed:
        """Runs a command on the current journey and saves what it recorded; returns the version the
        command ran on, the journey after it, and the facts it recorded.

        The one optimistic-concurrency loop of the engine. With ``expected_version`` a lost race is the
        caller's to resolve (``VersionConflict`` with the current version, nothing written). Without it
        the write means "on whatever is there": it is run again on the fresh state, so the rules judge
        what is really there, with a growing, jittered pause between tries, until it lands or
        ``contention_seconds`` pass (``StoreBusy``, which the web answers with 503). ``loaded`` is the
        journey as the caller just loaded it, for the first try (it must not carry pending events).
        """
        backoff = Backoff(self.contention_seconds)
        while True:
            journey, loaded = (loaded, None) if loaded is not None else (self.get(journey_id), None)
            if expected_version is not None and journey.version != expected_version:
                raise VersionConflict(expected_version, journey.version)
            before, was_closed = journey.version, journey.chart.closed is not None
            command(journey, self.clock())
            recorded = [fact_of(e) for e in journey.pending_events]
            if not recorded:
                return Changed(before, journey, [])
            if journey.needs_refold:  # a scheduler's late event: it takes its place in the history
                journey.refold([*self.history(journey_id, upto=before), *recorded], self.protocol)
            taken = self.chairs.reserve(journey_id, recorded) if self.chairs else []
            try:
                self.save(journey, *self._index_changes(journey, was_closed))
            except BaseException as error:
                if self.chairs:
                    self.chairs.release(journey_id, taken)
                if not isinstance(error, IntegrityError):
                    raise
                if expected_version is not None:
                    raise VersionConflict(expected_version, self.get(journey_id).version) from None
                backoff.wait()
                continue
            if self.chairs:
                self.chairs.settle(journey, recorded)
            if was_closed != (journey.chart.closed is not None):
                self._settle_index(journey)
            if journey.__dict__.pop(REFOLDED, False):
                self._snapshot_refolded(journey)
            return Changed(before, journey, recorded)

    def _snapshot_refolded(self, journey: PatientJourney) -> None:
        """A late entry or a correction was folded where it happened (DESIGN 7.1): the journey saved
        is snapshotted at once, so its next loads start here instead of refolding from the history
        until the next interval's snapshot."""
        if self.snapshots is not None:
            self.snapshots.put([PatientJourney.Snapshot.take(journey)])

    def _index_changes(self, journey: PatientJourney, was_closed: bool) -> list[PatientIndex]:
        """The reference's index, changed in the same save when this command closes the journey
        (released) or undoes its close (``EventEnteredInError`` on ``JourneyClosed``: claimed again,
        or ``JourneyExists`` with the other course if the reference has opened one since)."""
        closed = journey.chart.closed is not None
        if was_closed == closed:
            return []
        index = self.patient_index(journey.patient_ref)
        if index is None:  # a journey from before the index: ``careplan index backfill`` takes it in
            return []
        if closed:
            if index.open_journey != journey.id:
                return []
            index.release(journey.id)
            return [index]
        if index.open_journey not in (None, journey.id):
            raise JourneyExists(
                index.open_journey,
                "Undoing this close would reopen the journey, but the patient reference has another open "
                f"journey ({index.open_journey}): close that course first.",
            )
        index.reopen(journey.id)
        return [index] if index.pending_events else []

    def _settle_index(self, journey: PatientJourney) -> None:
        """After a close (or an undone close) was saved, the patient's index is read again: when the
        save found no index (a journey from before it) while ``careplan index backfill`` was writing
        one, whichever of the two came second sees the other (the backfill reads the journey after
        its save, this reads the index after this save), so the index never keeps a closed journey
        open nor leaves a reopened one unclaimed."""
        for _ in range(20):
            index = self.patient_index(journey.patient_ref)
            if index is None:
                return
            if journey.chart.closed is not None:
                index.release(journey.id)
            elif index.open_journey is None and journey.id in index.journeys:
                index.reopen(journey.id)
            if not index.pending_events:
                return
            try:
                self.save(index)
                return
            except IntegrityError:
                time.sleep(0.01)

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshots each journey this save carried past a multiple of the interval, from the save's
        own aggregate (it is at that version already, or past it: then loaded at that version). Never
        from state shared between threads: a snapshot taken from another save's attempt, one that
        lost the race, would show what was never recorded and put later links on a head no stored
        event has. A snapshot is a cache, so failing to store one never fails the recorded save."""
        if self.snapshots is None:
            return
        interval = self.store.snapshot_interval
        for event in processing_event.events:
            journey = processing_event.aggregates.get(event.originator_id)
            if isinstance(journey, PatientJourney) and event.originator_version % interval == 0:
                try:
                    self._snapshot(journey, event.originator_version)
                except Exception as error:  # noqa: BLE001 - the events are recorded; the next load replays
                    log.warning("No snapshot of journey %s at version %d (%s)", journey.id, event.originator_version, type(error).__name__)

    def _snapshot(self, journey: PatientJourney, version: int) -> None:
        if journey.version != version or journey.needs_refold:
            journey = self.get(journey.id, version=version)
        assert self.snapshots is not None
        self.snapshots.put([PatientJourney.Snapshot.take(journey)])

    def take_snapshot(self, aggregate_id: Any, version: int | None = None, projector_func: Any = None) -> None:
        """Snapshots the journey as stored at ``version`` (the library's entry point, loaded through ``get``
        so a correction is refolded)."""
        assert self.snapshots is not None
        self.snapshots.put([PatientJourney.Snapshot.take(self.get(aggregate_id, version=version))])

    # -- queries ------------------------------------------------------------------------------

    def get(self, journey_id: UUID, version: int | None = None) -> PatientJourney:
        journey: object = load_journey(self, journey_id, version)  # a snapshot only when it is the record
        if not isinstance(journey, PatientJourney):
            raise UnknownJourney(journey_id)
        if journey.needs_refold:
            # Loaded past a correction from an older snapshot: the record is rebuilt from the history.
            journey.refold(self.history(journey_id, upto=journey.version), self.protocol)
        return journey

    def journey_as_of(self, journey_id: UUID, when: datetime) -> PatientJourney:
        """The journey as it was known at ``when``: only events recorded by then."""
        when = utc(when)
        known = [f.version for f in self.history(journey_id) if f.recorded_at <= when]
        if not known:
            raise UnknownJourney(journey_id)
        return self.get(journey_id, version=max(known))

    def view(
        self,
        journey_id: UUID,
        *,
        version: int | None = None,
        as_of: datetime | None = None,
        now: datetime | None = None,
    ) -> tuple[PatientJourney, JourneyView]:
        """The journey and its derived state; a past state is judged at its own time."""
        if as_of is not None:
            journey = self.journey_as_of(journey_id, as_of)
            moment = utc(as_of)
        else:
            journey = self.get(journey_id, version=version)
            moment = journey.modified_on if version is not None else self.clock()
        return journey, journey.view(self.protocol, utc(now) if now else moment)

    def history(self, journey_id: UUID, upto: int | None = None) -> list[Fact]:
        """The journey's stored events as facts, oldest first (to ``upto`` when given). The aggregate
        does not carry them: history is what the event store is for."""
        events = load_history(self, journey_id, upto)
        if not events or not isinstance(events[0], PatientJourney.JourneyOpened):
            raise UnknownJourney(journey_id)
        return [fact_of(e) for e in events]

    def reading(self, journey_id: UUID, upto: int | None = None) -> History:
        """The journey's history read as every reader should: with its corrections applied."""
        return History(self.history(journey_id, upto))

    def journey_ids(self, start: int = 1, limit: int = 1000) -> Iterator[UUID]:
        """Every journey, in the order they were opened, read from the notification log."""
        topic = get_topic(PatientJourney.JourneyOpened)
        while True:
            batch = self.recorder.select_notifications(start=start, limit=limit, topics=[topic])
            for notification in batch:
                yield notification.originator_id  # type: ignore[misc]
            if len(batch) < limit:
                return
            start = batch[-1].id + 1
