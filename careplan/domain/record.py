"""The clinical record: a journey's history folded into the facts its rules and views need.

The record is the aggregate's state, and what a snapshot keeps: what the rules read (the latest
screening, the infusions, the open appointments, the alerts), never a copy of the history, so its size
does not grow with notes, reminders or vitals. The fold is pure and needs no protocol: what depends on
the protocol (a blood-pressure hold, the induction target) is judged when it is read, with the version
that was in force. Events marked ``EventEnteredInError`` are left out of a fold of the history, so a
correction gives exactly the record that would exist had the event never been recorded.

The fold goes in clinical order (DESIGN 7.1): by ``occurred_at``, ties by version. A chart is typed
late all the time (the 13:00 reading entered at 14:30), and a late entry takes its place where it
happened, so every rule and view sees the chart as it happened, not as it was typed. An event at or
after the latest clinical time folded (``latest``) goes on the end, as cheaply as ever; a late one
needs the history (``is_late``), and the journey refolds it.

Each event type's fold lives with its family (``careplan.domain.families``); this module holds the
record's shape and the loop.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from careplan.domain.deviations import note
from careplan.domain.family import fold_of, withdrawal_of
from careplan.domain.payload import Payload, payload_type
from careplan.domain.protocol import Protocol
from careplan.domain.values import Fact

if TYPE_CHECKING:
    from careplan.domain.families.consent import ConsentRecorded
    from careplan.domain.families.consultation import ConsultationCompleted, MedicationReviewed
    from careplan.domain.families.lifecycle import JourneyClosed, JourneyPaused
    from careplan.domain.families.response import ResponseReviewed
    from careplan.domain.families.screening import ContraindicationScreened, ScreeningResulted

Resolve = Callable[[str, int], Protocol]
P = TypeVar("P", bound=Payload)


@dataclass(frozen=True)
class Entry(Generic[P]):
    """One recorded event as the record keeps it: its typed payload and its envelope's essentials."""

    version: int
    occurred_at: datetime
    reason: str | None
    payload: P


@dataclass(frozen=True)
class Assessment:
    version: int
    instrument: str
    total: int
    items: tuple[int, ...]
    context: str
    occurred_at: datetime


@dataclass(frozen=True)
class Infusion:
    version: int
    phase: str
    occurred_at: datetime
    weight_kg: float | None = None
    started_at: datetime | None = None
    """The end minus the minutes given (DESIGN 7.1); None on infusions folded before it was kept."""

    @property
    def start(self) -> datetime:
        return self.started_at or self.occurred_at


@dataclass
class Appointment:
    """A scheduled infusion, until it is done, held or cancelled (then the record lets it go)."""

    version: int
    phase: str
    scheduled_for: datetime
    state: str = "scheduled"
    chair: int | None = None
    duration_min: int | None = None


@dataclass
class Alert:
    version: int
    kind: str
    reason: str
    raised_at: datetime
    source_version: int | None
    acknowledged_version: int | None = None
    risk: str | None = None
    """The risk the latest acknowledgement assessed (``high`` keeps infusions refused)."""
    acknowledged_at: datetime | None = None
    """When the latest acknowledgement happened: an infusion that started before it met the alert open."""
    course: str | None = None
    """For an alert carried from the patient's previous course: that course's journey id."""
    course_version: int | None = None
    withdrawn: bool = False
    """Its source event was entered in error: the alert stays until acknowledged, saying so."""


@dataclass(frozen=True)
class Vitals:
    version: int
    occurred_at: datetime
    systolic: int
    diastolic: int
    protocol_version: int = 1
    """The protocol version in force when they were taken: its threshold decides a hold."""
    heart_rate: int | None = None
    spo2: int | None = None
    overridden_at: datetime | None = None
    """When a clinician overrode the hold this (pre-infusion) reading set, if one did."""


@dataclass(frozen=True)
class Settling:
    """An infusion that ended (completed or stopped) and waits for its discharge assessment, with the
    last post-infusion vitals taken since it ended."""

    version: int
    phase: str
    ended_at: datetime
    post_vitals: Vitals | None = None
    post_readings: tuple[Vitals, ...] = ()
    """Every post-infusion reading since the end: a discharge relies on the latest before it."""


@dataclass
class ClinicalRecord:
    """What the chart says now; built by the fold and nothing else.

    ``protocol`` and ``resolve`` are bound when the record is read (``bind``); they are not state.
    """

    protocol_id: str = ""
    protocol_version: int = 0
    patient_ref: str = ""
    previous_journey_id: str | None = None
    opened_at: datetime | None = None
    version: int = 0
    consultation: Entry[ConsultationCompleted] | None = None
    medication_review: Entry[MedicationReviewed] | None = None
    screening: Entry[ContraindicationScreened] | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    overridden_by: dict[str, list[str]] = field(default_factory=dict)
    """Who overrode each finding (actor ids): an absolute finding needs two different clinicians."""
    labs_ordered: dict[str, datetime] = field(default_factory=dict)
    labs_resulted: dict[str, Entry[ScreeningResulted]] = field(default_factory=dict)
    assessments: list[Assessment] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    pre_vitals: Vitals | None = None
    hold_vitals: Vitals | None = None
    infusions: list[Infusion] = field(default_factory=list)
    stopped: list[Infusion] = field(default_factory=list)
    """Infusions stopped early: they do not count toward a series, but ketamine was given, so the
    spacing rule counts them (their time is when they were stopped)."""
    held: int = 0
    series_start: int = 0  # index into induction infusions where the current series begins
    decision: Entry[ResponseReviewed] | None = None
    maintenance_weeks: int | None = None
    guidance: dict[str, datetime] = field(default_factory=dict)
    last_check_in: datetime | None = None
    notes: int = 0
    paused: Entry[JourneyPaused] | None = None
    closed: Entry[JourneyClosed] | None = None
    alerts: list[Alert] = field(default_factory=list)
    system_keys: set[str] = field(default_factory=set)
    errored: set[int] = field(default_factory=set)
    awaiting_discharge: Settling | None = None
    deviations: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    """Per step, the latest few deviations from a timing rule as (version, code, reason) (DESIGN 6.3)."""
    pre_readings: list[Vitals] = field(default_factory=list)
    """The pre-infusion readings since the last administration (or hold) ended, with their times: the
    next infusion's basis is the latest one before its start (DESIGN 7.1)."""
    discharged_at: dict[str, datetime] = field(default_factory=dict)
    """When each administration was discharged, by its version as text (a snapshot's JSON keeps keys
    as text): the next must start after it."""
    clearing: dict[str, list[str]] = field(default_factory=dict)
    """Absolute findings no longer listed (a later screening or a correction) but cleared by one
    clinician so far: who cleared them. They stay open until a second, different clinician does."""
    cleared_at: dict[str, datetime] = field(default_factory=dict)
    """When each finding was last cleared: an infusion that started before then met it open."""
    extensions: int = 0
    """How many response reviews extended the induction (``induction.max_extensions`` caps them)."""
    questionnaires: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Links sent (``QuestionnaireSent``) by key: instrument, expiry, the token's hash, and once
    answered the version of the answer (one submission per link)."""
    outbox: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each queued message by key: ``state`` (``queued``, ``sent``, ``failed``), ``recipient``,
    ``about``, ``channel``, ``template`` and ``queued_at`` (ISO, when it was recorded: an escalation
    counts from the page)."""
    latest: datetime | None = None
    """The latest clinical time folded: an event dated earlier is late and takes its place by a refold."""
    consent: Entry[ConsentRecorded] | None = None
    """The latest informed consent recorded (DESIGN 7.6): induction waits for a signed one."""

    def __post_init__(self) -> None:
        self.protocol: Protocol = None  # type: ignore[assignment]  # bound by bind() before any rule reads it
        self.resolve: Resolve | None = None

    def bind(self, resolve: Resolve) -> ClinicalRecord:
        """Attaches the protocol in force, so the rules and views can read their thresholds."""
        self.resolve = resolve
        self.protocol = resolve(self.protocol_id, self.protocol_version)
        return self

    def copy(self) -> ClinicalRecord:
        """A deep copy of the state alone (never of the bound protocol or its resolver)."""
        return ClinicalRecord(**{name: copy.deepcopy(getattr(self, name)) for name in state_fields()})

    def protocol_at(self, version: int) -> Protocol:
        if self.resolve is None or version == self.protocol_version:
            return self.protocol
        return self.resolve(self.protocol_id, version)

    # -- derived facts the rules and views share ---------------------------------------------

    @property
    def induction_target(self) -> int:
        induction = self.protocol.induction
        return self.series_start + (induction.infusions if self.series_start == 0 else induction.extension_infusions)

    @property
    def bp_hold(self) -> Vitals | None:
        """The pre-infusion reading that holds the infusion, if the last one is at or above the threshold
        of the protocol in force when it was taken and nothing has settled it since."""
        vitals = self.pre_vitals
        return vitals if vitals is not None and self.holds(vitals) else None

    def holds(self, vitals: Vitals, at: datetime | None = None) -> bool:
        """Whether a pre-infusion reading holds an infusion starting at ``at`` (None: now): at or above
        the hold threshold of its protocol, and not lifted by an override by then; at or above the
        ceiling, no override lifts it (DESIGN 7.1)."""
        if not self.hold_threshold_met(vitals):
            return False
        if self.at_ceiling(vitals):
            return True
        return vitals.overridden_at is None or (at is not None and vitals.overridden_at > at)

    def hold_threshold_met(self, vitals: Vitals) -> bool:
        safety = self.protocol_at(vitals.protocol_version).safety
        return vitals.systolic >= safety.bp_hold_systolic or vitals.diastolic >= safety.bp_hold_diastolic

    def at_ceiling(self, vitals: Vitals) -> bool:
        m = self.protocol_at(vitals.protocol_version).monitoring
        return vitals.systolic >= m.pre_hold_ceiling_systolic or vitals.diastolic >= m.pre_hold_ceiling_diastolic

    def _once(self, name: str, key: tuple[int, int], make: Callable[[], list[Any]]) -> list[Any]:
        """A derived list computed once per state: one view asks for the induction series a dozen
        times (every step, flag and action reads it), and each ask sorted the infusions again. The
        key is the record's version and the source list's length, so any folded event (and any
        append) makes it stale; callers read these lists and never change them."""
        memo: dict[str, tuple[tuple[int, int], list[Any]]] = self.__dict__.setdefault("_derived", {})
        known = memo.get(name)
        if known is not None and known[0] == key:
            return known[1]
        made = make()
        memo[name] = (key, made)
        return made

    def induction_infusions(self) -> list[Infusion]:
        return self._once(
            "induction",
            (self.version, len(self.infusions)),
            lambda: sorted((i for i in self.infusions if i.phase == "induction"), key=lambda i: i.occurred_at),
        )

    def maintenance_infusions(self) -> list[Infusion]:
        return self._once(
            "maintenance",
            (self.version, len(self.infusions)),
            lambda: sorted((i for i in self.infusions if i.phase == "maintenance"), key=lambda i: i.occurred_at),
        )

    def current_series(self) -> list[Infusion]:
        return self.induction_infusions()[self.series_start :]

    def induction_complete(self) -> bool:
        return len(self.induction_infusions()) >= self.induction_target

    def induction_window_end(self) -> datetime | None:
        series = self.current_series()
        if not series:
            return None
        return series[0].occurred_at + timedelta(days=self.protocol.induction.window_days)

    def eligible(self) -> bool | None:
        return None if self.consultation is None else self.consultation.payload.eligible

    def taper_pending(self) -> bool:
        return bool(self.medication_review and self.medication_review.payload.taper_required)

    def decided(self, decision: str) -> bool:
        return self.decision is not None and self.decision.payload.decision == decision

    def open_findings(self) -> list[str]:
        """The latest screening's findings not yet cleared: a relative one by an override, an absolute
        one (of the protocol in force) by two different clinicians; and the absolute findings that
        one clinician alone cleared otherwise (a re-screening, a correction)."""
        findings = [str(f) for f in self.screening.payload.findings] if self.screening else []
        absolute = self.protocol.contraindications.absolute if self.protocol is not None else ()
        return [f for f in findings if not self.override_cleared(f)] + [
            f for f in self.clearing if f not in findings and f in absolute
        ]

    def override_cleared(self, finding: str) -> bool:
        if finding not in self.overrides:
            return False
        if self.protocol is None or finding not in self.protocol.contraindications.absolute:
            return True
        # Overrides stored before two were needed have no actors listed: they keep counting as one.
        return len(set(self.overridden_by.get(finding, []))) >= 2

    def phq9(self) -> list[Assessment]:
        return self._once(
            "phq9",
            (self.version, len(self.assessments)),
            lambda: sorted(
                (a for a in self.assessments if a.instrument == "PHQ9"), key=lambda a: (a.occurred_at, a.version)
            ),
        )

    def baseline(self, before: datetime | None = None) -> Assessment | None:
        """The latest baseline PHQ-9 taken before the first induction infusion (or any, before one).

        ``before`` narrows it to those taken by then: the baseline a (backdated) first infusion at that
        time would stand on, since a PHQ-9 taken after an infusion is no baseline for it.
        """
        infusions = self.induction_infusions()
        limits = [t for t in (infusions[0].occurred_at if infusions else None, before) if t is not None]
        first = min(limits) if limits else None
        candidates = [
            a for a in self.phq9() if a.context == "baseline" and (first is None or a.occurred_at <= first)
        ]
        return candidates[-1] if candidates else None

    def next_appointment(self, phase: str | None = None) -> Appointment | None:
        pending = [
            a for a in self.appointments if a.state == "scheduled" and (phase is None or a.phase == phase)
        ]
        return min(pending, key=lambda a: a.scheduled_for) if pending else None

    def last_infusion(self) -> Infusion | None:
        return max(self.infusions, key=lambda i: i.occurred_at) if self.infusions else None

    def administrations(self) -> list[Infusion]:
        """Every infusion the patient received, completed or stopped early, in time order: what the
        spacing rule measures from."""
        return sorted([*self.infusions, *self.stopped], key=lambda i: i.occurred_at)

    def last_administration(self) -> Infusion | None:
        given = self.administrations()
        return given[-1] if given else None

    def open_alerts(self) -> list[Alert]:
        return [a for a in self.alerts if a.acknowledged_version is None]


def clinical_order(facts: Iterable[Fact]) -> list[Fact]:
    """Facts in clinical order: by ``occurred_at``, ties by version (the one order every fold uses)."""
    return sorted(facts, key=clinical_key)


def clinical_key(fact: Fact) -> tuple[datetime, int]:
    return (fact.occurred_at, fact.version)


def is_late(record: ClinicalRecord, event_type: str, occurred_at: datetime) -> bool:
    """Whether an event at ``occurred_at`` falls before what the record has folded, so that it must
    take its place in the history (a refold) rather than go on the end."""
    return record.latest is not None and occurred_at < record.latest and not payload_type(event_type).about.any_order


def refold_needed(record: ClinicalRecord, fact: Fact) -> bool:
    """Whether folding this stored fact on the end would differ from folding it where it happened.
    Besides the types above, a reading taken during an infusion folds to nothing (the alert it may
    raise is an event of its own), so replaying one typed up late needs no refold; recording one
    still goes the late way (``is_late``), so that its alert is judged where it happened."""
    if not is_late(record, fact.type, fact.occurred_at):
        return False
    return not (fact.type == "VitalsRecorded" and fact.data.get("phase") == "during")


def fold_facts(history: Iterable[Fact]) -> ClinicalRecord:
    """The unbound record of a history: the pure fold in clinical order, with no protocol needed."""
    facts = list(history)
    record = ClinicalRecord()
    record.errored = errored_versions(facts)
    corrections = corrections_of(facts)
    fold_onto(record, clinical_order(facts), corrections)
    record.version = facts[-1].version if facts else 0
    return record


def corrections_of(facts: Iterable[Fact]) -> dict[int, Fact]:
    """Each version entered in error, with the ``EventEnteredInError`` that marked it: the one place
    this is read off a history (``History`` and every fold ask here)."""
    return {int(f.data["target_version"]): f for f in facts if f.type == "EventEnteredInError"}


def fold_as_typed(history: Iterable[Fact]) -> ClinicalRecord:
    """The fold in recording order, as the engine folded before clinical time (DESIGN 7.1): what a
    snapshot written then holds, so the verifier can check such a snapshot against its events."""
    facts = list(history)
    record = ClinicalRecord()
    record.errored = errored_versions(facts)
    fold_onto(record, facts, corrections_of(facts))
    record.version = facts[-1].version if facts else 0
    return record


def fold_onto(record: ClinicalRecord, facts: Iterable[Fact], corrections: dict[int, Fact] | None = None) -> ClinicalRecord:
    """Folds facts (already in clinical order) onto a record; one entered in error leaves only what its
    family says it still leaves behind (``withdraw``)."""
    for fact in facts:
        if fact.version in record.errored:
            if corrections and fact.version in corrections:
                withdraw(record, fact, corrections[fact.version])
            continue
        apply(record, fact)
    return record


def withdraw(record: ClinicalRecord, fact: Fact, correction: Fact) -> None:
    """What an event entered in error still leaves behind, where its family says so (an absolute
    finding that one clinician's correction does not clear alone, DESIGN 7.1)."""
    handler = withdrawal_of(fact.type)
    if handler is not None:
        handler(record, fact.payload, fact, correction)


def as_of(history: Iterable[Fact], moment: datetime) -> ClinicalRecord:
    """The unbound record as of ``moment``: the fold of what happened at or before it in clinical
    time, whenever it was recorded (an event's basis, DESIGN 7.1); corrections all apply."""
    facts = list(history)
    record = ClinicalRecord()
    record.errored = errored_versions(facts)
    fold_onto(record, (f for f in clinical_order(facts) if f.occurred_at <= moment), corrections_of(facts))
    return record


def fold(
    protocol: Protocol,
    history: Iterable[Fact],
    resolve: Resolve | None = None,
) -> ClinicalRecord:
    """Replays a history into a record, leaving out the events marked as entered in error.

    ``protocol`` is the one the journey was opened on; ``resolve`` finds the versions it was later
    migrated to. The record comes back bound, ready for the rules.
    """
    record = fold_facts(history)

    def known(protocol_id: str, version: int) -> Protocol:
        if (protocol_id, version) == protocol.key or resolve is None:
            return protocol
        return resolve(protocol_id, version)

    return record.bind(known)


def errored_versions(facts: Iterable[Fact]) -> set[int]:
    """The versions marked as entered in error (``corrections_of``)."""
    return set(corrections_of(facts))


def apply(record: ClinicalRecord, fact: Fact) -> None:
    """Folds one more fact into the record (the incremental path of :func:`fold`)."""
    record.version = max(record.version, fact.version)
    if record.latest is None or fact.occurred_at > record.latest:
        record.latest = fact.occurred_at
    record.__dict__.pop("_derived", None)
    handler = fold_of(fact.type)
    if handler is not None:
        handler(record, fact.payload, fact)
    if fact.deviation is not None:
        note(record, fact)


OLDER_SNAPSHOT = "_from_older_snapshot"
"""Set on a record read from a snapshot that lacks some of today's fields (to the names it lacks):
the journey refolds from its history, and the verifier compares the fields the snapshot kept."""


def state_fields() -> tuple[str, ...]:
    """The record's stored fields, in order (the snapshot codec reads these)."""
    return tuple(f for f in ClinicalRecord.__dataclass_fields__)


def replace_state(record: ClinicalRecord, state: dict[str, Any]) -> None:
    for name, value in state.items():
        setattr(record, name, value)
    record.__dict__.pop("_derived", None)
