"""The PatientJourney aggregate: one patient's path through the clinic's protocol.

Every fact is an event with who, when (clinical and recorded) and why. Commands take typed payloads
(``careplan.domain.families``), check the protocol's rules first and only then trigger events, so a
refused command leaves the history untouched. The aggregate's state is the folded clinical record and
the head of the hash chain, not a copy of its events: recording costs the same on the hundredth event
as on the thousandth, and a snapshot stays small. A correction (``EventEnteredInError``) needs the
history to refold without the marked event: the application reads it from the store and hands it in.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from eventsourcing.domain import Aggregate, OriginatorVersionError
from eventsourcing.domain import Snapshot as LibrarySnapshot

from careplan.domain import chain, migration, retrospective, roles, rules
from careplan.domain.catalogue import CLINICIAN_EVENTS, EVENT_TYPES, SYSTEM_EVENTS
from careplan.domain.clinic import Clinic
from careplan.domain.errors import RuleViolation, UnknownEventType
from careplan.domain.families.lifecycle import JourneyOpened as Opening
from careplan.domain.families.lifecycle import ProtocolMigrated
from careplan.domain.families.messages import state_of
from careplan.domain.family import Attempt, payload_type, raised_by
from careplan.domain.migration import MigrationReport
from careplan.domain.payload import Payload
from careplan.domain.protocol import Protocol
from careplan.domain.record import (
    OLDER_SNAPSHOT,
    ClinicalRecord,
    Resolve,
    apply,
    clinical_key,
    clinical_order,
    corrections_of,
    errored_versions,
    fold,
    fold_facts,
    fold_onto,
    is_late,
    refold_needed,
)
from careplan.domain.roles import require_may_send_questionnaire
from careplan.domain.values import Actor, Fact, utc
from careplan.domain.view import JourneyView, evaluate

History = Sequence[Fact] | Callable[[], Sequence[Fact]]
"""A journey's stored history, or a function that reads it (only a late entry or a correction does)."""

_TRANSIENT = ("_last", "_refolded")
"""Attributes that live between a command and its save, never in a snapshot."""
REFOLDED = "_refolded"
"""Set when the record was refolded from the history (a late entry, a correction): the application
snapshots the journey after its save, so later loads start there instead of refolding again."""


class RefoldNeeded(RuntimeError):
    """A correction was replayed without the history: the application must refold before use."""


class PatientJourney(Aggregate):
    class Snapshot(LibrarySnapshot):
        @classmethod
        def take(cls, aggregate: Any) -> PatientJourney.Snapshot:
            if aggregate.needs_refold:
                raise RefoldNeeded("a journey is refolded before it is snapshotted")
            snapshot = super().take(aggregate)
            for name in _TRANSIENT:
                snapshot.state.pop(name, None)
            # Its own copy, so the snapshot stays at its version while the aggregate goes on.
            snapshot.state["chart"] = aggregate.chart.copy()
            return snapshot

        def mutate(self, _: None) -> PatientJourney:
            """Reads snapshots of both forms: the folded record, and the older form that held the
            whole history (stores written before the record was the state), folded here once."""
            journey = cast(PatientJourney, super().mutate(_))
            if "chart" not in journey.__dict__:
                history: list[Fact] = journey.__dict__.pop("history")
                journey.head = history[-1].hash
                journey.chart = fold_facts(history)
                journey.needs_refold = False
                journey.__dict__.pop("_record_cache", None)
            elif journey.chart.__dict__.pop(OLDER_SNAPSHOT, False):
                journey.needs_refold = True  # the application refolds it from the stored history
            return journey

    class JourneyOpened(Aggregate.Created):
        patient_ref: str
        protocol: str
        protocol_version: int
        occurred_at: datetime
        actor: Actor
        reason: str | None
        hash: str
        previous_journey_id: str | None = None
        """Stored only on openings that name one: older stored openings lack it and read as None."""

    class Recorded(Aggregate.Event):
        """Base of every event after the opening: the same envelope, the type's own data (stored in
        the plain form ``Payload.as_data`` gives, which the hash chain and the verifier read)."""

        occurred_at: datetime
        actor: Actor
        reason: str | None
        data: dict[str, Any]
        hash: str
        # Events stored before deviations existed lack these two: read them with ``deviation_of``.
        deviation: str | None = None
        deviated: tuple[str, ...] = ()

        def apply(self, aggregate: Aggregate) -> None:
            cast(PatientJourney, aggregate)._fold(fact_of(self))

    def __init__(
        self,
        patient_ref: str,
        protocol: str,
        protocol_version: int,
        occurred_at: datetime,
        actor: Actor,
        reason: str | None,
        hash: str,
        previous_journey_id: str | None = None,
    ) -> None:
        self.patient_ref = patient_ref
        self.protocol_id = protocol
        self.protocol_version = protocol_version
        self.opened_protocol_version = protocol_version
        self.head = hash
        self.needs_refold = False
        self.chart = ClinicalRecord(protocol_id=protocol, protocol_version=protocol_version)
        opened = Fact(
            version=1,
            type="JourneyOpened",
            occurred_at=occurred_at,
            recorded_at=self.created_on,
            actor=actor,
            reason=reason,
            data=self.opening_data(patient_ref, protocol, protocol_version, previous_journey_id),
            hash=hash,
        )
        apply(self.chart, opened)
        self.__dict__["_last"] = opened

    @staticmethod
    def opening_data(
        patient_ref: str, protocol: str, protocol_version: int, previous_journey_id: str | None = None
    ) -> dict[str, Any]:
        """The opening as stored data; ``previous_journey_id`` only when set, so the hash of an opening
        recorded before it existed is unchanged."""
        data: dict[str, Any] = {"patient_ref": patient_ref, "protocol": protocol, "protocol_version": protocol_version}
        if previous_journey_id is not None:
            data["previous_journey_id"] = previous_journey_id
        return data

    @classmethod
    def open(
        cls,
        patient_ref: str,
        protocol: Protocol,
        occurred_at: datetime,
        actor: Actor,
        now: datetime,
        reason: str | None = None,
        previous_journey_id: str | None = None,
    ) -> PatientJourney:
        occurred_at, now = utc(occurred_at), utc(now)
        rules.not_in_future(occurred_at, now)
        opening = Opening(
            patient_ref=patient_ref,
            protocol=protocol.id,
            protocol_version=protocol.version,
            previous_journey_id=previous_journey_id,
        )
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
            data=opening.as_data(),
        )
        return cls._create(
            cls.JourneyOpened,
            id=journey_id,
            patient_ref=opening.patient_ref,
            protocol=protocol.id,
            protocol_version=protocol.version,
            occurred_at=occurred_at,
            actor=actor,
            reason=reason,
            hash=digest,
            timestamp=now,
            previous_journey_id=previous_journey_id,
        )

    # -- commands ---------------------------------------------------------------------------

    def record(
        self,
        event: Payload | str,
        data: dict[str, Any] | None = None,
        *,
        actor: Actor,
        occurred_at: datetime,
        reason: str | None,
        now: datetime,
        resolve: Resolve,
        history: History | None = None,
        deviation: str | None = None,
        clinic: Clinic | None = None,
    ) -> None:
        """Records a clinician's event after the protocol's rules accept it.

        ``clinic`` (its hours and chairs) lets the rules judge a booking against the clinic's day.

        ``deviation`` is a reason for knowingly departing from a timing rule (DESIGN 6.3): the event is
        stored with it and the codes it waived. A deviation no rule needed is not stored.

        ``event`` is a typed payload, or an event type's name with its data as a dict, which is then
        read strictly (a string for a boolean is refused with ``InvalidEvent``). ``history`` is the
        journey's stored history (or a function that reads it): a correction and a late entry are
        judged against it, and only they read it. An event is judged on the record as of its own
        ``occurred_at`` (DESIGN 7.1); a late one or a correction then has the infusions after it
        reviewed (``careplan.domain.retrospective``).
        """
        name = event if isinstance(event, str) else event.event_type
        if name not in CLINICIAN_EVENTS:
            raise UnknownEventType(name)
        payload = as_payload(event, data)
        current = self.clinical_record(resolve)
        attempt = Attempt(
            payload, utc(occurred_at), reason, actor, utc(now), deviation=deviation, clinic=clinic, current=current
        )
        correcting = payload.event_type == "EventEnteredInError"
        if not (correcting or is_late(current, payload.event_type, attempt.occurred_at)):
            self._accept(current, attempt)
            self._raise_alerts(self.clinical_record(resolve), attempt)
            return
        self._record_in_place(replace(attempt, history=self._own(history)), resolve)

    def _record_in_place(self, attempt: Attempt, resolve: Resolve) -> None:
        """A correction or a late entry: the record is folded again from where it changes, the entry
        judged on the record as of its time, and every infusion after the change reviewed."""
        known, current = attempt.history or (), attempt.current
        assert current is not None
        correcting = attempt.payload.event_type == "EventEnteredInError"
        if correcting or (current.opened_at is not None and attempt.occurred_at < current.opened_at):
            # A correction is judged on the chart as it stands (what it marks, by whom); an entry
            # dated before the opening is refused by the rules every event meets.
            self._accept(current, attempt)
        changed = self._changed_from(known, attempt.payload, attempt.occurred_at)
        errored = errored_versions(known) | ({changed.version} if correcting else set())
        corrections = corrections_of(list(known))
        if correcting:
            corrections[changed.version] = self.last_fact
        ordered = clinical_order(known)  # the events entered in error too: each leaves what its family says
        cut = bisect_right(ordered, clinical_key(changed), key=clinical_key)
        running = fold_onto(ClinicalRecord(errored=errored), ordered[:cut], corrections)
        rest = ordered[cut:]  # with the events entered in error, which ``judged`` withdraws in place
        if correcting:
            rest = merged(rest, self.last_fact)
        else:
            self._accept(running.bind(resolve), attempt)
            apply(running, self.last_fact)
            self._raise_alerts(running.bind(resolve), attempt, running)
        cause = self._recorded_since(len(known))[0]
        refused = retrospective.judged(running, rest, resolve, clinical_key(changed), corrections)
        for finding in retrospective.findings(
            refused,
            lambda versions: retrospective.before_change(known, versions, resolve),
            {f.version: f for f in rest},
        ):
            data = retrospective.alert_data(finding, cause)
            self._trigger(payload_type("SafetyAlertRaised").parse(data), Actor.system(), attempt.now, None, attempt.now)
            apply(running, self.last_fact)
        if running.latest is not None and attempt.now < running.latest:  # a device's clock ran ahead
            running = fold_facts((*known, *self._recorded_since(len(known))))
        running.version = self.version
        self.chart = running
        self.needs_refold = False
        self.__dict__[REFOLDED] = True

    def _accept(self, basis: ClinicalRecord, attempt: Attempt) -> None:
        """Judges the event on its basis (the record as of its time) and records it if accepted."""
        waived = rules.check(basis, attempt)
        a = attempt
        if waived:
            deviation = (a.deviation or "").strip()
            self._trigger(a.payload, a.actor, a.occurred_at, a.reason, a.now, deviation, tuple(sorted(waived)))
        else:
            self._trigger(a.payload, a.actor, a.occurred_at, a.reason, a.now)

    def _raise_alerts(self, record: ClinicalRecord, attempt: Attempt, running: ClinicalRecord | None = None) -> None:
        """What the event just recorded raises in the same save (a safety alert), judged on the record
        with it folded; dated with it, so the alert stands where its cause does."""
        for raised in raised_by(record, self.last_fact):
            self._trigger(raised, Actor.system(), attempt.occurred_at, None, attempt.now)
            if running is not None:
                apply(running, self.last_fact)

    def _changed_from(self, known: tuple[Fact, ...], payload: Payload, occurred_at: datetime) -> Fact:
        """Where in clinical order the record changes: at the event a correction marks, or where a late
        entry takes its place (a stand-in fact at its time, after everything recorded at that time)."""
        if payload.event_type == "EventEnteredInError":
            target = int(payload.as_data()["target_version"])
            return next(f for f in known if f.version == target)
        return Fact(self.version + 1, payload.event_type, occurred_at, occurred_at, Actor.system(), None)

    def _recorded_since(self, version: int) -> list[Fact]:
        """The facts this command recorded after ``version`` (still pending)."""
        return [fact_of(e) for e in self.pending_events if e.originator_version > version]

    def record_system(self, event_type: str, data: dict[str, Any], *, occurred_at: datetime, now: datetime) -> bool:
        """Records a scheduler's event once per key; False when it was recorded before."""
        if event_type not in SYSTEM_EVENTS:
            raise UnknownEventType(event_type)
        payload = payload_type(event_type).parse(data)
        if payload.as_data()["key"] in self.chart.system_keys:  # every system payload carries its key
            return False
        self._trigger(payload, Actor.system(), utc(occurred_at), None, utc(now))
        return True

    def settle_notification(self, event_type: str, data: dict[str, Any], *, now: datetime) -> bool:
        """Records that a queued message was sent or failed, once: False when the message is not
        queued (settled already, by this dispatcher before a crash or by another)."""
        if event_type not in ("NotificationSent", "NotificationFailed"):
            raise UnknownEventType(event_type)
        payload = payload_type(event_type).parse(data)
        if state_of(self.chart, payload.as_data()["key"]) != "queued":
            return False
        self._trigger(payload, Actor.system(), utc(now), None, utc(now))
        return True

    def send_questionnaire(self, data: dict[str, Any], *, actor: Actor, now: datetime) -> None:
        """A clinician's "send now": the link is recorded as the scheduler records its own, with the
        clinician as its actor; the scheduler then queues its message."""
        require_may_send_questionnaire(actor)
        if self.chart.closed is not None:
            raise RuleViolation("journey_closed", "The journey is closed: no questionnaire is sent.")
        payload = payload_type("QuestionnaireSent").parse(data)
        if payload.as_data()["key"] in self.chart.system_keys:
            return
        self._trigger(payload, actor, utc(now), None, utc(now))

    def migration_report(self, to: Protocol, *, actor: Actor, reason: str | None, now: datetime, resolve: Resolve) -> MigrationReport:
        """What moving the journey to ``to`` would change now (a dry run): the same guards as the
        migration itself (role, closed journey, reason), nothing recorded."""
        roles.require_may_migrate(actor)
        record = self.clinical_record(resolve)
        migration.check_migration(record, to, reason)
        return migration.report(record, to, utc(now))

    def migrate(
        self,
        to: Protocol,
        *,
        actor: Actor,
        reason: str | None,
        now: datetime,
        resolve: Resolve,
        confirm: bool = False,
    ) -> MigrationReport:
        """Moves the journey to another version of its protocol (newer or older: DESIGN 7.6); the rules
        from now on are that version's. A migration that would lower a guard on care (complete a
        series, clear or reclassify a finding, lift a hold, drop a step with events) is refused with
        ``MigrationNeedsConfirmation`` unless ``confirm``; the changes confirmed are stored with it."""
        report = self.migration_report(to, actor=actor, reason=reason, now=now, resolve=resolve)
        if report.needs_confirmation and not confirm:
            raise migration.MigrationNeedsConfirmation(report)
        payload = ProtocolMigrated(
            protocol=to.id,
            from_version=self.protocol_version,
            to_version=to.version,
            changes=tuple(c.sentence for c in report.changes),
            confirmed=tuple(c.kind for c in report.confirmations),
        )
        self._trigger(payload, actor, utc(now), reason, utc(now))
        return report

    def _own(self, history: History | None) -> tuple[Fact, ...]:
        """The history, checked to be this journey's own, up to its current version."""
        if history is None:
            raise ValueError("this command is judged against the journey's history: pass it")
        facts = tuple(history() if callable(history) else history)
        if len(facts) != self.version or (facts and facts[-1].hash != self.head):
            raise ValueError("the history handed in is not this journey's at its current version")
        return facts

    def _trigger(
        self,
        payload: Payload,
        actor: Actor,
        occurred_at: datetime,
        reason: str | None,
        now: datetime,
        deviation: str | None = None,
        deviated: tuple[str, ...] = (),
    ) -> None:
        data = payload.as_data()
        extra: dict[str, Any] = {} if deviation is None else {"deviation": deviation, "deviated": deviated}
        digest = chain.link(
            self.head,
            journey_id=self.id,
            version=self.version + 1,
            event_type=payload.event_type,
            occurred_at=occurred_at,
            recorded_at=now,
            actor=actor,
            reason=reason,
            data=data,
            **extra,
        )
        self.trigger_event(
            getattr(type(self), payload.event_type),
            occurred_at=occurred_at,
            actor=actor,
            reason=reason,
            data=data,
            hash=digest,
            timestamp=now,
            **extra,
        )

    # -- mutation and queries ---------------------------------------------------------------

    @property
    def last_fact(self) -> Fact:
        """The fact this aggregate folded last (between a command and its save)."""
        return cast(Fact, self.__dict__["_last"])

    @property
    def last_type(self) -> str | None:
        """The type of the event folded last, when this load folded one (a journey read whole from its
        snapshot folded none)."""
        last = self.__dict__.get("_last")
        return last.type if isinstance(last, Fact) else None

    def _fold(self, fact: Fact) -> None:
        self.head = fact.hash
        self.__dict__["_last"] = fact
        if fact.type == "ProtocolMigrated":
            self.protocol_version = int(fact.data["to_version"])
        if fact.type == "EventEnteredInError" or refold_needed(self.chart, fact):
            # Undoing an event, or placing one where it happened, needs the history: only it can say.
            self.needs_refold = True
        apply(self.chart, fact)

    def take_in(self, fact: Fact) -> None:
        """Folds one stored event, read straight as a fact: what the library's ``event.mutate`` does
        for a recorded event (the same checks and the same state), for a reader that never builds the
        event object (the read model's catch-up)."""
        if fact.version != self.version + 1:
            raise OriginatorVersionError(fact.version, self.version + 1)
        self._fold(fact)
        self.version = fact.version
        self.modified_on = fact.recorded_at

    def refold(self, history: Sequence[Fact], resolve: Resolve) -> None:
        """Rebuilds the record from the journey's own stored history (after a correction)."""
        facts = self._own(history)
        opened = resolve(self.protocol_id, self.opened_protocol_version)
        self.chart = fold(opened, facts, resolve)
        self.needs_refold = False
        self.__dict__[REFOLDED] = True

    def clinical_record(self, resolve: Resolve) -> ClinicalRecord:
        """The folded record, bound to the journey's protocol so the rules can read it."""
        if self.needs_refold:
            raise RefoldNeeded("the journey was loaded past a correction: refold it from its history first")
        return self.chart.bind(resolve)

    def view(self, resolve: Resolve, now: datetime) -> JourneyView:
        return evaluate(self.clinical_record(resolve), utc(now))


def _stored_event_classes() -> None:
    """One stored event class per event type after the opening, made from the registered types:
    ``PatientJourney.InfusionCompleted`` and so on, each an empty ``Recorded`` whose topic
    (``careplan.domain.journey:PatientJourney.<type>``) is what the store has always kept. A new event
    type is a new payload class in its family; its stored class follows from it here."""
    for name in EVENT_TYPES:
        if name != "JourneyOpened" and name not in PatientJourney.__dict__:
            setattr(PatientJourney, name, PatientJourney._define_event_class(name, (PatientJourney.Recorded,), None))


_stored_event_classes()


def stored_class(event_type: str) -> type[PatientJourney.Recorded]:
    """The stored event class of a type after the opening (made above, so a type checker cannot see it
    as an attribute): for a topic to look for in the store, ``get_topic(stored_class("..."))``."""
    found: type[PatientJourney.Recorded] = getattr(PatientJourney, event_type)
    return found


def merged(facts: list[Fact], fact: Fact) -> list[Fact]:
    """``facts`` (in clinical order) with one more fact in its place."""
    at = bisect_right(facts, clinical_key(fact), key=clinical_key)
    return [*facts[:at], fact, *facts[at:]]


def as_payload(event: Payload | str, data: dict[str, Any] | None) -> Payload:
    """A typed payload from a payload, or from an event type's name and its data read strictly."""
    if isinstance(event, Payload):
        if data is not None:
            raise TypeError("pass a payload or an event type with data, not both")
        return event
    return payload_type(event).parse({} if data is None else data)


def fact_of(event: Any) -> Fact:
    """A stored domain event as an auditor reads it (the opening included)."""
    if isinstance(event, PatientJourney.JourneyOpened):
        data = PatientJourney.opening_data(
            event.patient_ref, event.protocol, event.protocol_version, getattr(event, "previous_journey_id", None)
        )
        event_type = "JourneyOpened"
    else:
        data = event.data
        event_type = type(event).__name__
    deviation, deviated = deviation_of(event)
    return Fact.stored(  # every replayed event passes through here: the hot path of loading a journey
        {
            "version": event.originator_version,
            "type": event_type,
            "occurred_at": event.occurred_at,
            "recorded_at": event.timestamp,
            "actor": event.actor,
            "reason": event.reason,
            "data": data,
            "hash": event.hash,
            "deviation": deviation,
            "deviated": deviated,
        }
    )


def deviation_of(event: Any) -> tuple[str | None, tuple[str, ...]]:
    """A stored event's deviation and waived codes; events stored before deviations have neither."""
    deviation = event.__dict__.get("deviation")
    return deviation, tuple(event.__dict__.get("deviated") or ()) if deviation is not None else ()
