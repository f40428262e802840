"""The careplan application: commands and queries on patient journeys, over the event store.

Each command is one get → command → save. Two writers racing for the same journey meet at the
store's unique (journey, version) key: with ``expected_version`` the loser is told the current version
and nothing of theirs is written; without it the command is re-run on the fresh state, so the
protocol's rules judge it against what is really there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder, MapperDeserialisationError
from eventsourcing.utils import Environment, get_topic

from careplan import transcodings
from careplan.domain.errors import UnknownJourney, UnknownProtocol, VersionConflict
from careplan.domain.journey import PatientJourney
from careplan.domain.protocol import Protocol, ProtocolRegistry
from careplan.domain.values import Actor, Fact, utc
from careplan.domain.view import JourneyView
from careplan.settings import StoreSettings, StoreUnreadable

Clock = Callable[[], datetime]
MAX_RETRIES = 8
DEFAULT_PROTOCOL = "ketamine-trd"


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class CarePlan(Application):
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
        self.snapshotting_intervals = {PatientJourney: store.snapshot_interval}
        super().__init__(env=store.library_env())

    def construct_env(self, name: str, env: Any = None) -> Environment:
        """Only what the settings derived, never ``os.environ``: there the library would prefer
        ``CAREPLAN_CIPHER_KEY`` (this app's name + its ``CIPHER_KEY``) to the key the settings chose,
        so an app built for another store or key (a rotation, a test) would silently use the wrong one."""
        library_env = dict(type(self).env)
        if type(self).is_snapshotting_enabled or type(self).snapshotting_intervals:
            library_env["IS_SNAPSHOTTING_ENABLED"] = "y"
        library_env.update(env or {})
        return Environment(name, library_env)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcodings.register(transcoder)

    # -- protocols ----------------------------------------------------------------------------

    def protocol(self, protocol_id: str, version: int | None = None) -> Protocol:
        try:
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
    ) -> UUID:
        now = self.clock()
        protocol = self.protocol(protocol_id or DEFAULT_PROTOCOL, protocol_version)
        journey = PatientJourney.open(patient_ref, protocol, occurred_at or now, actor, now, reason)
        self.save(journey)
        return journey.id

    def record(
        self,
        journey_id: UUID,
        event_type: str,
        data: dict[str, Any],
        *,
        actor: Actor,
        occurred_at: datetime | None = None,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> int:
        """Records a clinician's event and returns the journey's new version."""
        command = self._recording(event_type, data, actor, occurred_at, reason)
        return self._change(journey_id, command, expected_version)[1].version

    def record_facts(
        self,
        journey_id: UUID,
        event_type: str,
        data: dict[str, Any],
        *,
        actor: Actor,
        occurred_at: datetime | None = None,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> list[Fact]:
        """Records a clinician's event and returns the facts it added: the event and what the engine
        raised with it (a safety alert), so a caller can answer without loading the journey again."""
        command = self._recording(event_type, data, actor, occurred_at, reason)
        before, journey = self._change(journey_id, command, expected_version)
        return [f for f in journey.history if f.version > before]

    def _recording(
        self, event_type: str, data: dict[str, Any], actor: Actor, occurred_at: datetime | None, reason: str | None
    ) -> Callable[[PatientJourney, datetime], None]:
        def command(journey: PatientJourney, now: datetime) -> None:
            journey.record(
                event_type,
                data,
                actor=actor,
                occurred_at=occurred_at or now,
                reason=reason,
                now=now,
                resolve=self.protocol,
            )

        return command

    def record_system(
        self, journey_id: UUID, event_type: str, data: dict[str, Any], *, occurred_at: datetime
    ) -> bool:
        """Records a scheduler's event exactly once per key; False if it was already there."""
        recorded: list[bool] = []

        def command(journey: PatientJourney, now: datetime) -> None:
            recorded[:] = [journey.record_system(event_type, data, occurred_at=occurred_at, now=now)]

        self._change(journey_id, command, None)
        return recorded[0]

    def migrate(
        self, journey_id: UUID, to_version: int, *, actor: Actor, reason: str | None, expected_version: int | None = None
    ) -> int:
        def command(journey: PatientJourney, now: datetime) -> None:
            journey.migrate(self.protocol(journey.protocol_id, to_version), actor=actor, reason=reason, now=now)

        return self._change(journey_id, command, expected_version)[1].version

    def _change(
        self,
        journey_id: UUID,
        command: Callable[[PatientJourney, datetime], None],
        expected_version: int | None,
    ) -> tuple[int, PatientJourney]:
        """Runs a command on the current journey and saves what it recorded; returns the version the
        command ran on and the journey after it. Without ``expected_version`` a write that lost a race
        is run again on the fresh state, so its rules judge what is really there."""
        for _ in range(MAX_RETRIES):
            journey = self.get(journey_id)
            if expected_version is not None and journey.version != expected_version:
                raise VersionConflict(expected_version, journey.version)
            before = journey.version
            command(journey, self.clock())
            if not journey.pending_events:
                return before, journey
            try:
                self.save(journey)
            except IntegrityError:
                if expected_version is not None:
                    raise VersionConflict(expected_version, self.get(journey_id).version) from None
                continue
            return before, journey
        raise VersionConflict(None, self.get(journey_id).version)

    # -- queries ------------------------------------------------------------------------------

    def get(self, journey_id: UUID, version: int | None = None) -> PatientJourney:
        try:
            journey = self.repository.get(journey_id, version=version)
        except AggregateNotFoundError:
            raise UnknownJourney(journey_id) from None
        except MapperDeserialisationError as error:  # most often a wrong or missing cipher key
            raise StoreUnreadable() from error
        if not isinstance(journey, PatientJourney):
            raise UnknownJourney(journey_id)
        return journey

    def journey_as_of(self, journey_id: UUID, when: datetime) -> PatientJourney:
        """The journey as it was known at ``when``: only events recorded by then."""
        when = utc(when)
        current = self.get(journey_id)
        known = [f.version for f in current.history if f.recorded_at <= when]
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
            moment = journey.history[-1].recorded_at if version is not None else self.clock()
        return journey, journey.view(self.protocol, utc(now) if now else moment)

    def history(self, journey_id: UUID) -> list[Fact]:
        return list(self.get(journey_id).history)

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
