"""The PatientJourney aggregate: one patient's path through the clinic's protocol.

Every fact is an event with who, when (clinical and recorded) and why. Commands check the protocol's
rules first and only then trigger events, so a refused command leaves the history untouched. The
history is kept inside the aggregate as plain facts, because a correction (``EventEnteredInError``)
has to re-read the whole history without the marked event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, cast

from eventsourcing.domain import Aggregate, Snapshot

from careplan.domain import chain, rules
from careplan.domain.errors import RuleViolation, UnknownEventType
from careplan.domain.protocol import Protocol
from careplan.domain.record import ClinicalRecord, apply, fold
from careplan.domain.values import Actor, Fact, utc
from careplan.domain.view import JourneyView, evaluate
from careplan.domain.vocabulary import CLINICIAN_EVENTS, SYSTEM_EVENTS

Resolve = Callable[[str, int], Protocol]

_CACHE = "_record_cache"


class PatientJourney(Aggregate):
    class Snapshot(Snapshot):
        """Leaves the derived record out: it is rebuilt from the history on first use."""

        @classmethod
        def take(cls, aggregate: Any) -> PatientJourney.Snapshot:
            snapshot = super().take(aggregate)
            snapshot.state.pop(_CACHE, None)
            # A copy, so the snapshot stays at its version while the aggregate goes on.
            snapshot.state["history"] = list(snapshot.state["history"])
            return cast("PatientJourney.Snapshot", snapshot)

        def mutate(self, _: None) -> PatientJourney:
            """Each aggregate made from the snapshot gets its own history to append to."""
            journey = cast(PatientJourney, super().mutate(_))
            journey.history = list(journey.history)
            return journey

    class JourneyOpened(Aggregate.Created):
        patient_ref: str
        protocol: str
        protocol_version: int
        occurred_at: datetime
        actor: Actor
        reason: str | None
        hash: str

    class Recorded(Aggregate.Event):
        """Base of every event after the opening: the same envelope, the type's own data."""

        occurred_at: datetime
        actor: Actor
        reason: str | None
        data: dict[str, Any]
        hash: str

        def apply(self, aggregate: Aggregate) -> None:
            cast(PatientJourney, aggregate)._remember(self)

    # Clinician-recordable events.
    class ConsultationCompleted(Recorded): ...
    class MedicationReviewed(Recorded): ...
    class ContraindicationScreened(Recorded): ...
    class ContraindicationOverridden(Recorded): ...
    class HoldOverridden(Recorded): ...
    class ScreeningOrdered(Recorded): ...
    class ScreeningResulted(Recorded): ...
    class AssessmentRecorded(Recorded): ...
    class InfusionScheduled(Recorded): ...
    class VitalsRecorded(Recorded): ...
    class InfusionHeld(Recorded): ...
    class InfusionCompleted(Recorded): ...
    class InfusionCancelled(Recorded): ...
    class ResponseReviewed(Recorded): ...
    class MaintenanceIntervalSet(Recorded): ...
    class ComplementaryCareGuidanceGiven(Recorded): ...
    class ComplementaryCareCheckIn(Recorded): ...
    class NoteAdded(Recorded): ...
    class EventEnteredInError(Recorded): ...
    class JourneyPaused(Recorded): ...
    class JourneyResumed(Recorded): ...
    class JourneyClosed(Recorded): ...
    class SafetyAlertAcknowledged(Recorded): ...

    # System and lifecycle events.
    class StepBecameDue(Recorded): ...
    class StepOverdue(Recorded): ...
    class ReminderIssued(Recorded): ...
    class SafetyAlertRaised(Recorded): ...
    class ProtocolMigrated(Recorded): ...

    def __init__(
        self,
        patient_ref: str,
        protocol: str,
        protocol_version: int,
        occurred_at: datetime,
        actor: Actor,
        reason: str | None,
        hash: str,
    ) -> None:
        self.patient_ref = patient_ref
        self.protocol_id = protocol
        self.protocol_version = protocol_version
        self.opened_protocol_version = protocol_version
        self.history: list[Fact] = [
            Fact(
                version=1,
                type="JourneyOpened",
                occurred_at=occurred_at,
                recorded_at=self.created_on,
                actor=actor,
                reason=reason,
                data=self.opening_data(patient_ref, protocol, protocol_version),
                hash=hash,
            )
        ]

    @staticmethod
    def opening_data(patient_ref: str, protocol: str, protocol_version: int) -> dict[str, Any]:
        return {"patient_ref": patient_ref, "protocol": protocol, "protocol_version": protocol_version}

    @classmethod
    def open(
        cls,
        patient_ref: str,
        protocol: Protocol,
        occurred_at: datetime,
        actor: Actor,
        now: datetime,
        reason: str | None = None,
    ) -> PatientJourney:
        occurred_at, now = utc(occurred_at), utc(now)
        if occurred_at > now + rules.CLOCK_SKEW:
            raise RuleViolation("occurred_in_future", "An event cannot have happened in the future.")
        journey_id = cls.create_id()
        digest = chain.link(
            chain.GENESIS,
            journey_id=journey_id,
            version=1,
            event_type="JourneyOpened",
            occurred_at=occurred_at,
            recorded_at=now,
            actor=actor,
            reason=reason,
            data=cls.opening_data(patient_ref, protocol.id, protocol.version),
        )
        return cls._create(
            cls.JourneyOpened,
            id=journey_id,
            patient_ref=patient_ref,
            protocol=protocol.id,
            protocol_version=protocol.version,
            occurred_at=occurred_at,
            actor=actor,
            reason=reason,
            hash=digest,
            timestamp=now,
        )

    # -- commands ---------------------------------------------------------------------------

    def record(
        self,
        event_type: str,
        data: dict[str, Any],
        *,
        actor: Actor,
        occurred_at: datetime,
        reason: str | None,
        now: datetime,
        resolve: Resolve,
    ) -> None:
        """Records a clinician's event after the protocol's rules accept it."""
        if event_type not in CLINICIAN_EVENTS:
            raise UnknownEventType(event_type)
        occurred_at, now = utc(occurred_at), utc(now)
        record = self.clinical_record(resolve)
        types = {f.version: f.type for f in self.history}
        rules.check(record, event_type, data, occurred_at, reason, now, types)
        self._trigger(event_type, data, actor, occurred_at, reason, now)
        if event_type == "AssessmentRecorded":
            self._raise_self_harm_alert(record.protocol, actor, occurred_at, now)

    def record_system(self, event_type: str, data: dict[str, Any], *, occurred_at: datetime, now: datetime) -> bool:
        """Records a scheduler's event once per ``data["key"]``; False when it was recorded before."""
        if event_type not in SYSTEM_EVENTS:
            raise UnknownEventType(event_type)
        key = data["key"]
        if any(f.data.get("key") == key for f in self.history if f.type in SYSTEM_EVENTS):
            return False
        self._trigger(event_type, data, Actor.system(), utc(occurred_at), None, utc(now))
        return True

    def migrate(self, to: Protocol, *, actor: Actor, reason: str | None, now: datetime) -> None:
        """Moves the journey to a newer version of its protocol; the rules from now on are the new ones."""
        if to.id != self.protocol_id or to.version <= self.protocol_version:
            raise RuleViolation(
                "migration_not_forward", f"A journey on version {self.protocol_version} moves only to a newer version."
            )
        data = {"protocol": to.id, "from_version": self.protocol_version, "to_version": to.version}
        self._trigger("ProtocolMigrated", data, actor, utc(now), reason, utc(now))

    def _raise_self_harm_alert(self, protocol: Protocol, actor: Actor, occurred_at: datetime, now: datetime) -> None:
        fact = self.history[-1]
        items = fact.data.get("items") or []
        limit = protocol.safety.phq9_item9_alert_above
        if fact.data.get("instrument") == "PHQ9" and len(items) >= 9 and int(items[8]) > limit:
            data = {
                "kind": "self_harm",
                "reason": f"PHQ-9 item 9 (thoughts of self-harm) scored {int(items[8])}.",
                "source_version": fact.version,
                "key": f"alert:self_harm:{fact.version}",
            }
            self._trigger("SafetyAlertRaised", data, Actor.system(), occurred_at, None, now)

    def _trigger(
        self, event_type: str, data: dict[str, Any], actor: Actor, occurred_at: datetime, reason: str | None, now: datetime
    ) -> None:
        digest = chain.link(
            self.history[-1].hash,
            journey_id=self.id,
            version=self.version + 1,
            event_type=event_type,
            occurred_at=occurred_at,
            recorded_at=now,
            actor=actor,
            reason=reason,
            data=data,
        )
        self.trigger_event(
            getattr(type(self), event_type),
            occurred_at=occurred_at,
            actor=actor,
            reason=reason,
            data=data,
            hash=digest,
            timestamp=now,
        )

    # -- mutation and queries ---------------------------------------------------------------

    def _remember(self, event: PatientJourney.Recorded) -> None:
        fact = Fact(
            version=event.originator_version,
            type=type(event).__name__,
            occurred_at=event.occurred_at,
            recorded_at=event.timestamp,
            actor=event.actor,
            reason=event.reason,
            data=event.data,
            hash=event.hash,
        )
        self.history.append(fact)
        if fact.type == "ProtocolMigrated":
            self.protocol_version = int(fact.data["to_version"])
        cached: ClinicalRecord | None = self.__dict__.get(_CACHE)
        if cached is None:
            return
        if fact.type == "EventEnteredInError" or cached.version != fact.version - 1:
            del self.__dict__[_CACHE]
        else:
            apply(cached, fact)

    def clinical_record(self, resolve: Resolve) -> ClinicalRecord:
        """The history folded into the record the rules read; kept between commands."""
        cached: ClinicalRecord | None = self.__dict__.get(_CACHE)
        if cached is None or cached.version != self.version:
            opened = resolve(self.protocol_id, self.opened_protocol_version)
            cached = fold(opened, self.history, resolve)
            self.__dict__[_CACHE] = cached
        return cached

    def view(self, resolve: Resolve, now: datetime) -> JourneyView:
        return evaluate(self.clinical_record(resolve), utc(now))
