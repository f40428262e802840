"""The clinical record: a journey's history folded into the facts its rules and views need.

The fold never refuses anything: rules run before an event is recorded (``rules.py``), and a history
is replayed as it was recorded. Events marked ``EventEnteredInError`` are left out of the fold, so a
correction gives exactly the record that would exist had the event never been recorded, while the
history keeps both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable

from careplan.domain.protocol import Protocol
from careplan.domain.values import Fact, parse_time


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


@dataclass
class Appointment:
    """A scheduled infusion, until it is done, held or cancelled."""

    version: int
    phase: str
    scheduled_for: datetime
    state: str = "scheduled"  # scheduled | done | held | cancelled


@dataclass
class Alert:
    version: int
    kind: str
    reason: str
    raised_at: datetime
    source_version: int | None
    acknowledged_version: int | None = None


@dataclass
class Vitals:
    version: int
    occurred_at: datetime
    systolic: int
    diastolic: int


@dataclass
class ClinicalRecord:
    """What the chart says now; built by :func:`fold` and nothing else."""

    protocol: Protocol
    resolve: Callable[[str, int], Protocol] | None = None
    patient_ref: str = ""
    opened_at: datetime | None = None
    version: int = 0
    consultation: Fact | None = None
    medication_review: Fact | None = None
    screening: Fact | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    labs_ordered: dict[str, datetime] = field(default_factory=dict)
    labs_resulted: dict[str, Fact] = field(default_factory=dict)
    assessments: list[Assessment] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    pre_vitals: Vitals | None = None
    bp_hold: Vitals | None = None
    infusions: list[Infusion] = field(default_factory=list)
    held: int = 0
    induction_target: int = 0
    series_start: int = 0  # index into induction infusions where the current series begins
    decision: Fact | None = None
    maintenance_weeks: int | None = None
    guidance: dict[str, datetime] = field(default_factory=dict)
    check_ins: list[datetime] = field(default_factory=list)
    notes: int = 0
    paused: Fact | None = None
    closed: Fact | None = None
    alerts: list[Alert] = field(default_factory=list)
    system_keys: set[str] = field(default_factory=set)
    errored: set[int] = field(default_factory=set)

    # -- derived facts the rules and views share ---------------------------------------------

    def induction_infusions(self) -> list[Infusion]:
        return sorted((i for i in self.infusions if i.phase == "induction"), key=lambda i: i.occurred_at)

    def maintenance_infusions(self) -> list[Infusion]:
        return sorted((i for i in self.infusions if i.phase == "maintenance"), key=lambda i: i.occurred_at)

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
        return None if self.consultation is None else bool(self.consultation.data.get("eligible"))

    def taper_pending(self) -> bool:
        return bool(self.medication_review and self.medication_review.data.get("taper_required"))

    def open_findings(self) -> list[str]:
        findings = self.screening.data.get("findings", []) if self.screening else []
        return [f for f in findings if f not in self.overrides]

    def phq9(self) -> list[Assessment]:
        return sorted(
            (a for a in self.assessments if a.instrument == "PHQ9"), key=lambda a: (a.occurred_at, a.version)
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

    def open_alerts(self) -> list[Alert]:
        return [a for a in self.alerts if a.acknowledged_version is None]


def fold(
    protocol: Protocol,
    history: Iterable[Fact],
    resolve: Callable[[str, int], Protocol] | None = None,
) -> ClinicalRecord:
    """Replays a history into a record, leaving out the events marked as entered in error.

    ``protocol`` is the one the journey was opened on; ``resolve`` finds the versions it was later
    migrated to, so each event is read under the protocol in force when it was recorded.
    """
    facts = list(history)
    errored = {int(f.data["target_version"]) for f in facts if f.type == "EventEnteredInError"}
    record = ClinicalRecord(
        protocol=protocol, resolve=resolve, induction_target=protocol.induction.infusions
    )
    record.errored = errored
    for fact in facts:
        record.version = fact.version
        if fact.version in errored:
            continue
        apply(record, fact)
    return record


def apply(record: ClinicalRecord, fact: Fact) -> None:
    """Folds one more fact into the record (the incremental path of :func:`fold`)."""
    record.version = fact.version
    handler = _HANDLERS.get(fact.type)
    if handler is not None:
        handler(record, fact)


# -- one small handler per event type ---------------------------------------------------------


def _opened(r: ClinicalRecord, f: Fact) -> None:
    r.patient_ref = f.data["patient_ref"]
    r.opened_at = f.occurred_at


def _consultation(r: ClinicalRecord, f: Fact) -> None:
    r.consultation = f


def _medication(r: ClinicalRecord, f: Fact) -> None:
    r.medication_review = f


def _screened(r: ClinicalRecord, f: Fact) -> None:
    r.screening = f
    r.overrides = {k: v for k, v in r.overrides.items() if k in f.data.get("findings", [])}


def _contraindication_overridden(r: ClinicalRecord, f: Fact) -> None:
    r.overrides[f.data["finding"]] = f.reason or ""


def _hold_overridden(r: ClinicalRecord, f: Fact) -> None:
    r.bp_hold = None


def _screening_ordered(r: ClinicalRecord, f: Fact) -> None:
    r.labs_ordered.setdefault(f.data["panel"], f.occurred_at)


def _screening_resulted(r: ClinicalRecord, f: Fact) -> None:
    r.labs_ordered.setdefault(f.data["panel"], f.occurred_at)
    r.labs_resulted[f.data["panel"]] = f


def _assessment(r: ClinicalRecord, f: Fact) -> None:
    d = f.data
    r.assessments.append(
        Assessment(
            version=f.version,
            instrument=d["instrument"],
            total=int(d["total"]),
            items=tuple(int(i) for i in d.get("items") or ()),
            context=d.get("context", "other"),
            occurred_at=f.occurred_at,
        )
    )


def _scheduled(r: ClinicalRecord, f: Fact) -> None:
    r.appointments.append(
        Appointment(version=f.version, phase=f.data["phase"], scheduled_for=parse_time(f.data["scheduled_for"]))
    )


def _vitals(r: ClinicalRecord, f: Fact) -> None:
    if f.data.get("phase") != "pre":
        return
    vitals = Vitals(f.version, f.occurred_at, int(f.data["systolic"]), int(f.data["diastolic"]))
    r.pre_vitals = vitals
    safety = r.protocol.safety
    if vitals.systolic >= safety.bp_hold_systolic or vitals.diastolic >= safety.bp_hold_diastolic:
        r.bp_hold = vitals
    else:
        r.bp_hold = None


def _settle_appointment(r: ClinicalRecord, phase: str, state: str) -> None:
    appointment = r.next_appointment(phase)
    if appointment is not None:
        appointment.state = state


def _held(r: ClinicalRecord, f: Fact) -> None:
    r.held += 1
    r.pre_vitals = None
    r.bp_hold = None
    _settle_appointment(r, f.data["phase"], "held")


def _cancelled(r: ClinicalRecord, f: Fact) -> None:
    _settle_appointment(r, f.data["phase"], "cancelled")


def _completed(r: ClinicalRecord, f: Fact) -> None:
    r.infusions.append(Infusion(version=f.version, phase=f.data["phase"], occurred_at=f.occurred_at))
    r.pre_vitals = None
    r.bp_hold = None
    _settle_appointment(r, f.data["phase"], "done")


def _response(r: ClinicalRecord, f: Fact) -> None:
    r.decision = f
    if f.data["decision"] == "extend_induction":
        r.series_start = len(r.induction_infusions())
        r.induction_target = r.series_start + r.protocol.induction.extension_infusions


def _interval(r: ClinicalRecord, f: Fact) -> None:
    r.maintenance_weeks = int(f.data["weeks"])


def _guidance(r: ClinicalRecord, f: Fact) -> None:
    r.guidance[f.data["area"]] = f.occurred_at


def _check_in(r: ClinicalRecord, f: Fact) -> None:
    r.check_ins.append(f.occurred_at)


def _note(r: ClinicalRecord, f: Fact) -> None:
    r.notes += 1


def _paused(r: ClinicalRecord, f: Fact) -> None:
    r.paused = f


def _resumed(r: ClinicalRecord, f: Fact) -> None:
    r.paused = None


def _closed(r: ClinicalRecord, f: Fact) -> None:
    r.closed = f


def _system(r: ClinicalRecord, f: Fact) -> None:
    key = f.data.get("key")
    if key:
        r.system_keys.add(key)


def _alert(r: ClinicalRecord, f: Fact) -> None:
    _system(r, f)
    source = f.data.get("source_version")
    if source is not None and int(source) in r.errored:
        return
    r.alerts.append(
        Alert(
            version=f.version,
            kind=f.data["kind"],
            reason=f.data["reason"],
            raised_at=f.occurred_at,
            source_version=source,
        )
    )


def _acknowledged(r: ClinicalRecord, f: Fact) -> None:
    for alert in r.alerts:
        if alert.version == int(f.data["alert_version"]):
            alert.acknowledged_version = f.version


def _migrated(r: ClinicalRecord, f: Fact) -> None:
    if r.resolve is None:
        return
    r.protocol = r.resolve(f.data["protocol"], int(f.data["to_version"]))
    r.induction_target = r.series_start + (
        r.protocol.induction.infusions if r.series_start == 0 else r.protocol.induction.extension_infusions
    )


_HANDLERS: dict[str, Callable[[ClinicalRecord, Fact], None]] = {
    "JourneyOpened": _opened,
    "ConsultationCompleted": _consultation,
    "MedicationReviewed": _medication,
    "ContraindicationScreened": _screened,
    "ContraindicationOverridden": _contraindication_overridden,
    "HoldOverridden": _hold_overridden,
    "ScreeningOrdered": _screening_ordered,
    "ScreeningResulted": _screening_resulted,
    "AssessmentRecorded": _assessment,
    "InfusionScheduled": _scheduled,
    "VitalsRecorded": _vitals,
    "InfusionHeld": _held,
    "InfusionCancelled": _cancelled,
    "InfusionCompleted": _completed,
    "ResponseReviewed": _response,
    "MaintenanceIntervalSet": _interval,
    "ComplementaryCareGuidanceGiven": _guidance,
    "ComplementaryCareCheckIn": _check_in,
    "NoteAdded": _note,
    "JourneyPaused": _paused,
    "JourneyResumed": _resumed,
    "JourneyClosed": _closed,
    "SafetyAlertAcknowledged": _acknowledged,
    "StepBecameDue": _system,
    "StepOverdue": _system,
    "ReminderIssued": _system,
    "SafetyAlertRaised": _alert,
    "ProtocolMigrated": _migrated,
}
