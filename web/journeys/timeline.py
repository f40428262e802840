"""A journey's history as a clinician reads it: events grouped by step, corrections shown beside what
they correct, the induction series with its vitals, and the PHQ-9 points for the trend chart.

Everything is read off the history (the facts), never stored: the page shows what the events say.
Events are shown where they happened (clinical order: ``occurred_at``, ties by version), as the engine
folds them (DESIGN 7.1); one typed after something that happened later is marked as charted late, with
when it was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from careplan.domain.families.chair import total_mg
from careplan.domain.values import Fact, parse_time
from careplan.domain.vocabulary import STEPS
from web.clinic import day as clinic_day
from web.clinic import when as clinic_time
from web.journeys.fields import finding_label

JOURNEY = "journey"
"""The group of events about the journey as a whole: opening, pauses, notes, alerts, migrations."""

BY_TYPE = {
    "ConsultationCompleted": "consultation",
    "ConsentRecorded": "consent",
    "MedicationReviewed": "medication_review",
    "ContraindicationScreened": "contraindication_screening",
    "ContraindicationOverridden": "contraindication_screening",
    "ScreeningOrdered": "lab_screening",
    "ScreeningResulted": "lab_screening",
    "ResponseReviewed": "response_check",
    "MaintenanceIntervalSet": "maintenance",
    "ComplementaryCareGuidanceGiven": "complementary_care",
    "ComplementaryCareCheckIn": "complementary_care",
}
BY_CONTEXT = {
    "baseline": "baseline_assessment",
    "infusion": "induction",
    "response_check": "response_check",
    "maintenance": "maintenance",
}
INFUSION_EVENTS = frozenset(
    {"InfusionScheduled", "InfusionHeld", "InfusionCompleted", "InfusionCancelled", "InfusionStopped", "DischargeAssessed"}
)
BACKFILL = timedelta(hours=1)
"""A record entered more than this after the fact is marked as backfilled."""


@dataclass
class Entry:
    fact: Fact
    step: str
    summary: str
    corrected_by: Fact | None = None
    late: bool = False
    """Charted after something that happened later had been recorded: it took its place in the chart."""

    @property
    def backfilled(self) -> bool:
        return self.fact.recorded_at - self.fact.occurred_at > BACKFILL

    @property
    def system(self) -> bool:
        return self.fact.actor.role == "system"


@dataclass
class Group:
    step: str
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class SeriesRow:
    """One infusion of a series (done, stopped or held), or the next one waiting, with its vitals
    (before and during it, then the post-infusion ones up to its discharge) and its discharge."""

    number: int | None
    phase: str
    state: str  # completed | stopped | held | pending
    fact: Fact | None
    vitals: tuple[Fact, ...]
    discharge: Fact | None = None

    @property
    def total_mg(self) -> float | None:
        """The milligrams given (dose per kilogram times weight), for a completed infusion."""
        if self.fact is None or self.fact.type != "InfusionCompleted":
            return None
        return total_mg(float(self.fact.data["dose_mg_per_kg"]), float(self.fact.data["weight_kg"]))

    @property
    def awaiting_discharge(self) -> bool:
        return self.state in ("completed", "stopped") and self.discharge is None


@dataclass(frozen=True)
class Point:
    version: int
    at: datetime
    total: int
    item9: int | None
    context: str


def corrections(history: list[Fact]) -> dict[int, Fact]:
    """The correction of each version marked as entered in error."""
    return {int(f.data["target_version"]): f for f in history if f.type == "EventEnteredInError"}


def step_of(fact: Fact, maintenance_from: int | None) -> str:
    """The step an event belongs to; infusion events after the maintenance decision are maintenance."""
    if fact.type in BY_TYPE:
        return BY_TYPE[fact.type]
    data = fact.data
    if fact.type == "AssessmentRecorded":
        return BY_CONTEXT.get(str(data.get("context")), "baseline_assessment")
    if fact.type in INFUSION_EVENTS or fact.type in ("VitalsRecorded", "HoldOverridden"):
        phase = data.get("phase")
        if phase in ("induction", "maintenance"):
            return str(phase)
        return "maintenance" if maintenance_from is not None and fact.version > maintenance_from else "induction"
    step = data.get("step")
    return str(step) if step in STEPS else JOURNEY


def _maintenance_from(history: list[Fact], errored: dict[int, Fact]) -> int | None:
    for fact in history:
        if fact.type == "ResponseReviewed" and fact.data.get("decision") == "maintenance" and fact.version not in errored:
            return fact.version
    return None


def clinical_order(history: list[Fact]) -> list[Fact]:
    """The history where each event happened: by ``occurred_at``, ties by version (the engine's order)."""
    return sorted(history, key=lambda f: (f.occurred_at, f.version))


def charted_late(history: list[Fact]) -> set[int]:
    """The versions recorded after an event that happened later than they did (history in recording order)."""
    late: set[int] = set()
    latest: datetime | None = None
    for fact in history:
        if latest is not None and fact.occurred_at < latest:
            late.add(fact.version)
        else:
            latest = fact.occurred_at
    return late


def grouped(history: list[Fact]) -> list[Group]:
    """Events grouped by step in the protocol's order (the journey's own events first), each group in
    clinical order, late entries where they happened and marked as such."""
    errored = corrections(history)
    since = _maintenance_from(history, errored)
    late = charted_late(history)
    groups = {name: Group(name) for name in (JOURNEY, *STEPS)}
    for fact in clinical_order(history):
        step = step_of(fact, since)
        groups[step].entries.append(Entry(fact, step, describe(fact), errored.get(fact.version), fact.version in late))
    return [g for g in groups.values() if g.entries]


def entries(history: list[Fact]) -> list[Entry]:
    """Every event in the order it was recorded, with its step and correction."""
    errored = corrections(history)
    since = _maintenance_from(history, errored)
    return [Entry(f, step_of(f, since), describe(f), errored.get(f.version)) for f in history]


def series(history: list[Fact]) -> list[SeriesRow]:
    """Each infusion (induction and maintenance) with the vitals taken since the one before it, read in
    clinical order (a reading charted late sits with the infusion it was taken for)."""
    errored = corrections(history)
    rows: list[SeriesRow] = []
    vitals: list[Fact] = []
    counts = {"induction": 0, "maintenance": 0}
    since = _maintenance_from(history, errored)
    for fact in clinical_order(history):
        if fact.version in errored:
            continue
        settling = rows[-1] if rows and rows[-1].awaiting_discharge else None
        if fact.type == "VitalsRecorded" and settling is not None and fact.data.get("phase") == "post":
            rows[-1] = replace(settling, vitals=(*settling.vitals, fact))
        elif fact.type == "VitalsRecorded":
            vitals.append(fact)
        elif fact.type == "DischargeAssessed" and settling is not None:
            rows[-1] = replace(settling, discharge=fact)
        elif fact.type in ("InfusionCompleted", "InfusionHeld", "InfusionStopped"):
            phase = str(fact.data.get("phase", "induction"))
            number = None
            if fact.type == "InfusionCompleted":
                counts[phase] = counts.get(phase, 0) + 1
                number = counts[phase]
            state = {"InfusionCompleted": "completed", "InfusionHeld": "held", "InfusionStopped": "stopped"}[fact.type]
            rows.append(SeriesRow(number, phase, state, fact, tuple(vitals)))
            vitals = []
    if vitals:
        phase = "maintenance" if since is not None else "induction"
        rows.append(SeriesRow(counts[phase] + 1, phase, "pending", None, tuple(vitals)))
    return rows


def phq9_points(history: list[Fact]) -> list[Point]:
    errored = corrections(history)
    points = []
    for fact in history:
        if fact.type != "AssessmentRecorded" or fact.version in errored or fact.data.get("instrument") != "PHQ9":
            continue
        items = fact.data.get("items") or []
        item9 = int(items[8]) if len(items) >= 9 else None
        points.append(Point(fact.version, fact.occurred_at, int(fact.data["total"]), item9, str(fact.data.get("context", ""))))
    return sorted(points, key=lambda p: (p.at, p.version))


# -- one line per event -------------------------------------------------------------------------


def _words(code: Any) -> str:
    return str(code).replace("_", " ")


def _yes(value: Any) -> str:
    return "yes" if value else "no"


def _vitals(d: dict[str, Any]) -> str:
    text = f"{_words(d.get('phase', '')).capitalize()}-infusion: BP {d.get('systolic')}/{d.get('diastolic')} mmHg, HR {d.get('heart_rate')}"
    return text + (f", SpO₂ {d['spo2']}%" if d.get("spo2") is not None else "")


def _infusion(d: dict[str, Any]) -> str:
    effects = ", ".join(_words(e) for e in d.get("side_effects") or []) or "none"
    mg = total_mg(float(d.get("dose_mg_per_kg") or 0), float(d.get("weight_kg") or 0))
    return (
        f"{_words(d.get('phase', '')).capitalize()} infusion: {d.get('dose_mg_per_kg')} mg/kg, {d.get('weight_kg')} kg "
        f"({mg:g} mg), {d.get('duration_min')} min; escort {'confirmed' if d.get('escort_confirmed') else 'not confirmed'}; "
        f"side effects: {effects}"
    )


def _assessment(d: dict[str, Any]) -> str:
    name = {"PHQ9": "PHQ-9", "GAD7": "GAD-7"}.get(str(d.get("instrument")), str(d.get("instrument")))
    items = d.get("items")
    text = f"{name} {d.get('total')} ({_words(d.get('context', 'other'))})"
    return text + (f"; items {' '.join(str(i) for i in items)}" if items else "")


def _medications(d: dict[str, Any]) -> str:
    meds = "; ".join(
        " ".join(str(m.get(k)) for k in ("name", "dose") if m.get(k)) + (f" ({m['drug_class']})" if m.get("drug_class") else "")
        for m in d.get("medications") or []
    )
    return (
        f"{meds or 'No medications'}. Diazepam-equivalent {d.get('benzodiazepine_diazepam_eq_mg')} mg/day; "
        f"taper {'required' if d.get('taper_required') else 'not required'}"
    )


def _scheduled(d: dict[str, Any]) -> str:
    when = d.get("scheduled_for")
    at = clinic_time(parse_time(when)) if when else "?"
    return f"{_words(d.get('phase', '')).capitalize()} infusion scheduled for {at}"


_DESCRIBE = {
    "VitalsRecorded": _vitals,
    "InfusionCompleted": _infusion,
    "AssessmentRecorded": _assessment,
    "MedicationReviewed": _medications,
    "InfusionScheduled": _scheduled,
    "ConsultationCompleted": lambda d: (
        f"Eligible: {_yes(d.get('eligible'))}; prior antidepressant trials: {d.get('prior_antidepressant_trials')}; "
        f"psychotherapy tried: {_yes(d.get('psychotherapy_tried'))}" + (f". Goals: {d['goals']}" if d.get("goals") else "")
    ),
    "ContraindicationScreened": lambda d: "Findings: "
    + (", ".join(finding_label(str(f)) for f in d.get("findings") or []) or "none (clear)"),
    "ContraindicationOverridden": lambda d: f"Override of {finding_label(str(d.get('finding')))}",
    "HoldOverridden": lambda d: f"Override of the {_words(d.get('hold'))} hold",
    "ScreeningOrdered": lambda d: f"{_words(d.get('panel')).capitalize()} panel ordered",
    "ScreeningResulted": lambda d: (
        f"{_words(d.get('panel')).capitalize()} panel: {'abnormal' if d.get('abnormal') else 'normal'}"
        + ("; " + ", ".join(f"{k} {v}" for k, v in (d.get("values") or {}).items()) if d.get("values") else "")
    ),
    "InfusionHeld": lambda d: f"{_words(d.get('phase', '')).capitalize()} infusion held",
    "InfusionCancelled": lambda d: f"{_words(d.get('phase', '')).capitalize()} infusion cancelled",
    "InfusionStopped": lambda d: (
        f"{_words(d.get('phase', '')).capitalize()} infusion stopped after {d.get('minutes_given')} min "
        f"({_words(d.get('cause'))}); does not count toward the series"
    ),
    "DischargeAssessed": lambda d: (
        f"Discharged after {d.get('observation_min')} min of observation; alert and oriented: "
        f"{_yes(d.get('alert_and_oriented'))}; escort present: {_yes(d.get('escort_present'))}"
    ),
    "ResponseReviewed": lambda d: f"Decision: {_words(d.get('decision'))}",
    "MaintenanceIntervalSet": lambda d: f"Maintenance every {d.get('weeks')} weeks",
    "ComplementaryCareGuidanceGiven": lambda d: f"{_words(d.get('area')).capitalize()}: {d.get('guidance')}",
    "ComplementaryCareCheckIn": lambda d: (
        f"{_words(d.get('area')).capitalize()}: adherence {d.get('adherence')}" + (f". {d['notes']}" if d.get("notes") else "")
    ),
    "NoteAdded": lambda d: str(d.get("text", "")),
    "EventEnteredInError": lambda d: f"Marks version {d.get('target_version')} as entered in error",
    "JourneyClosed": lambda d: f"Outcome: {_words(d.get('outcome'))}",
    "JourneyOpened": lambda d: f"Opened on {d.get('protocol')} version {d.get('protocol_version')}",
    "ProtocolMigrated": lambda d: f"Moved from version {d.get('from_version')} to {d.get('to_version')}"
    + (". What changed: " + " ".join(d["changes"]) if d.get("changes") else ""),
    "ConsentRecorded": lambda d: (
        f"Consent form {d.get('form_version')}: {'signed' if d.get('signed') else 'not signed'}"
        + (f"; witness: {d['witness']}" if d.get("witness") else "")
    ),
    "SafetyAlertRaised": lambda d: f"{_words(d.get('kind')).capitalize()} alert: {d.get('reason')}",
    "SafetyAlertAcknowledged": lambda d: f"Acknowledges the alert of version {d.get('alert_version')}"
    + (f"; risk {d['risk_assessment']}" if d.get("risk_assessment") else "")
    + (f"; plan: {d['plan']}" if d.get("plan") else ""),
    "StepBecameDue": lambda d: f"{_words(d.get('step')).capitalize()} due {_day(d.get('due_at'))}",
    "StepOverdue": lambda d: f"{_words(d.get('step')).capitalize()} overdue (was due {_day(d.get('due_at'))})",
    "ReminderIssued": lambda d: f"Reminder: {_words(d.get('kind'))} due {_day(d.get('due_at'))}",
    "AppointmentMissed": lambda d: f"The appointment booked at version {d.get('scheduled_version')} was missed",
}


def _day(value: Any) -> str:
    try:
        return clinic_day(parse_time(value))
    except (TypeError, ValueError):
        return "?"


def describe(fact: Fact) -> str:
    """One line that says what the event recorded, in the clinic's words."""
    how = _DESCRIBE.get(fact.type)
    if how is not None:
        try:
            return how(fact.data)
        except (KeyError, TypeError, ValueError):
            pass
    return "; ".join(f"{_words(k)}: {v}" for k, v in fact.data.items() if k != "key")
