"""One line per event, in the clinic's words: what the timeline, the audit page and the correction page
show of it.

Each line is read off the event's typed payload and dispatched on its class (``summary.register``), as
the families register their rules and folds: adding an event type adds one function here. Three types
are still described from their stored data (``_DESCRIBE`` says why).
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from careplan.domain.families.aftercare import DischargeAssessed, SideEffectReported
from careplan.domain.families.alerts import SafetyAlertAcknowledged, SafetyAlertRaised
from careplan.domain.families.appointments import AppointmentMissed
from careplan.domain.families.assessment import AssessmentRecorded
from careplan.domain.families.care import ComplementaryCareCheckIn, ComplementaryCareGuidanceGiven, NoteAdded
from careplan.domain.families.chair import total_mg
from careplan.domain.families.consent import ConsentRecorded
from careplan.domain.families.consultation import ConsultationCompleted
from careplan.domain.families.infusion import (
    HoldOverridden,
    InfusionCancelled,
    InfusionHeld,
    InfusionScheduled,
    InfusionStopped,
    VitalsRecorded,
)
from careplan.domain.families.lifecycle import EventEnteredInError, JourneyClosed, JourneyOpened, ProtocolMigrated
from careplan.domain.families.messages import (
    NotificationFailed,
    NotificationQueued,
    NotificationSent,
    QuestionnaireSent,
)
from careplan.domain.families.response import MaintenanceIntervalSet, ResponseReviewed
from careplan.domain.families.screening import ContraindicationOverridden, ContraindicationScreened, ScreeningOrdered
from careplan.domain.families.system import ReminderIssued, StepBecameDue, StepOverdue
from careplan.domain.payload import Payload
from careplan.domain.values import Fact, parse_time
from web.clinic import day as clinic_day
from web.clinic import when as clinic_time
from web.journeys.fields import finding_label


def _words(code: Any) -> str:
    return str(code).replace("_", " ")


def _yes(value: Any) -> str:
    return "yes" if value else "no"


def _infusion(d: dict[str, Any]) -> str:
    effects = ", ".join(_words(e) for e in d.get("side_effects") or []) or "none"
    mg = total_mg(float(d.get("dose_mg_per_kg") or 0), float(d.get("weight_kg") or 0))
    return (
        f"{_words(d.get('phase', '')).capitalize()} infusion: {d.get('dose_mg_per_kg')} mg/kg, {d.get('weight_kg')} kg "
        f"({mg:g} mg), {d.get('duration_min')} min; escort {'confirmed' if d.get('escort_confirmed') else 'not confirmed'}; "
        f"side effects: {effects}"
    )


def _medications(d: dict[str, Any]) -> str:
    meds = "; ".join(
        " ".join(str(m.get(k)) for k in ("name", "dose") if m.get(k)) + (f" ({m['drug_class']})" if m.get("drug_class") else "")
        for m in d.get("medications") or []
    )
    return (
        f"{meds or 'No medications'}. Diazepam-equivalent {d.get('benzodiazepine_diazepam_eq_mg')} mg/day; "
        f"taper {'required' if d.get('taper_required') else 'not required'}"
    )


_DESCRIBE: dict[str, Any] = {
    "InfusionCompleted": _infusion,
    "MedicationReviewed": _medications,
    "ScreeningResulted": lambda d: (
        f"{_words(d.get('panel')).capitalize()} panel: {'abnormal' if d.get('abnormal') else 'normal'}"
        + ("; " + ", ".join(f"{k} {v}" for k, v in (d.get("values") or {}).items()) if d.get("values") else "")
    ),
}
"""The events still described from their stored data: their numbers are shown as they were stored
(a weight of 70 or 70.0), which the typed payload (a float) would not keep."""


def _day(value: Any) -> str:
    try:
        return clinic_day(parse_time(value))
    except (TypeError, ValueError):
        return "?"


@singledispatch
def summary(payload: Payload) -> str | None:
    """One line for an event, read off its typed payload and dispatched on its class (register one per
    event type, as ``careplan.domain.family`` registers rules and folds); None: the older table below
    describes it from its data."""
    return None


@summary.register
def _discharged(p: DischargeAssessed) -> str:
    return (
        f"Discharged after {p.observation_min} min of observation; alert and oriented: {_yes(p.alert_and_oriented)}; "
        f"escort present: {_yes(p.escort_present)}"
    )


@summary.register
def _vitals_summary(p: VitalsRecorded) -> str:
    text = f"{_words(p.phase or '').capitalize()}-infusion: BP {p.systolic}/{p.diastolic} mmHg, HR {p.heart_rate}"
    return text + (f", SpO₂ {p.spo2}%" if p.spo2 is not None else "")


@summary.register
def _assessment_summary(p: AssessmentRecorded) -> str:
    name = {"PHQ9": "PHQ-9", "GAD7": "GAD-7"}.get(str(p.instrument), str(p.instrument))
    text = f"{name} {p.total} ({_words(p.context or 'other')})"
    return text + (f"; items {' '.join(str(i) for i in p.items)}" if p.items else "")


@summary.register
def _scheduled_summary(p: InfusionScheduled) -> str:
    at = clinic_time(parse_time(p.scheduled_for)) if p.scheduled_for else "?"
    return f"{_words(p.phase or '').capitalize()} infusion scheduled for {at}"


@summary.register
def _consulted(p: ConsultationCompleted) -> str:
    return (
        f"Eligible: {_yes(p.eligible)}; prior antidepressant trials: {p.prior_antidepressant_trials}; "
        f"psychotherapy tried: {_yes(p.psychotherapy_tried)}" + (f". Goals: {p.goals}" if p.goals else "")
    )


@summary.register
def _screened(p: ContraindicationScreened) -> str:
    return "Findings: " + (", ".join(finding_label(str(f)) for f in p.findings or ()) or "none (clear)")


@summary.register
def _finding_overridden(p: ContraindicationOverridden) -> str:
    return f"Override of {finding_label(str(p.finding))}"


@summary.register
def _hold_overridden(p: HoldOverridden) -> str:
    return f"Override of the {_words(p.hold)} hold"


@summary.register
def _ordered(p: ScreeningOrdered) -> str:
    return f"{_words(p.panel).capitalize()} panel ordered"


@summary.register
def _held(p: InfusionHeld) -> str:
    return f"{_words(p.phase or '').capitalize()} infusion held"


@summary.register
def _cancelled(p: InfusionCancelled) -> str:
    return f"{_words(p.phase or '').capitalize()} infusion cancelled"


@summary.register
def _stopped(p: InfusionStopped) -> str:
    return (
        f"{_words(p.phase or '').capitalize()} infusion stopped after {p.minutes_given} min "
        f"({_words(p.cause)}); does not count toward the series"
    )


@summary.register
def _decided(p: ResponseReviewed) -> str:
    return f"Decision: {_words(p.decision)}"


@summary.register
def _interval(p: MaintenanceIntervalSet) -> str:
    return f"Maintenance every {p.weeks} weeks"


@summary.register
def _guided(p: ComplementaryCareGuidanceGiven) -> str:
    return f"{_words(p.area).capitalize()}: {p.guidance}"


@summary.register
def _checked_in(p: ComplementaryCareCheckIn) -> str:
    return f"{_words(p.area).capitalize()}: adherence {p.adherence}" + (f". {p.notes}" if p.notes else "")


@summary.register
def _noted(p: NoteAdded) -> str:
    return str(p.text or "")


@summary.register
def _marked(p: EventEnteredInError) -> str:
    return f"Marks version {p.target_version} as entered in error"


@summary.register
def _closed(p: JourneyClosed) -> str:
    return f"Outcome: {_words(p.outcome)}"


@summary.register
def _opened(p: JourneyOpened) -> str:
    return f"Opened on {p.protocol} version {p.protocol_version}"


@summary.register
def _migrated(p: ProtocolMigrated) -> str:
    changed = ". What changed: " + " ".join(p.changes) if p.changes else ""
    return f"Moved from version {p.from_version} to {p.to_version}{changed}"


@summary.register
def _consented(p: ConsentRecorded) -> str:
    witness = f"; witness: {p.witness}" if p.witness else ""
    return f"Consent form {p.form_version}: {'signed' if p.signed else 'not signed'}{witness}"


@summary.register
def _raised(p: SafetyAlertRaised) -> str:
    return f"{_words(p.kind).capitalize()} alert: {p.reason}"


@summary.register
def _acknowledged(p: SafetyAlertAcknowledged) -> str:
    return (
        f"Acknowledges the alert of version {p.alert_version}"
        + (f"; risk {p.risk_assessment}" if p.risk_assessment else "")
        + (f"; plan: {p.plan}" if p.plan else "")
    )


@summary.register
def _due(p: StepBecameDue) -> str:
    return f"{_words(p.step).capitalize()} due {_day(p.due_at)}"


@summary.register
def _overdue(p: StepOverdue) -> str:
    return f"{_words(p.step).capitalize()} overdue (was due {_day(p.due_at)})"


@summary.register
def _reminded(p: ReminderIssued) -> str:
    return f"Reminder: {_words(p.kind)} due {_day(p.due_at)}"


@summary.register
def _missed(p: AppointmentMissed) -> str:
    return f"The appointment booked at version {p.scheduled_version} was missed"


@summary.register
def _side_effect(p: SideEffectReported) -> str:
    return f"Side effect: {_words(p.effect)}, {p.severity}" + (f". {p.note}" if p.note else "")


_INSTRUMENT = {"PHQ9": "PHQ-9", "GAD7": "GAD-7", "MADRS": "MADRS"}


@summary.register
def _link_sent(p: QuestionnaireSent) -> str:
    name = _INSTRUMENT.get(str(p.instrument), str(p.instrument))
    return f"{name} link for the patient, by {p.channel}, open until {_day(p.expires_at)}"


@summary.register
def _message_queued(p: NotificationQueued) -> str:
    return f"Message queued for {_words(p.recipient)} by {p.channel} ({_words(p.template)})"


@summary.register
def _message_sent(p: NotificationSent) -> str:
    return "Message delivered to the provider"


@summary.register
def _message_failed(p: NotificationFailed) -> str:
    return f"Message not delivered after {p.attempts} tries: {p.error}"


def describe(fact: Fact) -> str:
    """One line that says what the event recorded, in the clinic's words."""
    try:
        typed = summary(fact.payload)
    except (TypeError, ValueError, KeyError):  # a stored payload older than its class: its data below
        typed = None
    if typed is not None:
        return typed
    how = _DESCRIBE.get(fact.type)
    if how is not None:
        try:
            return how(fact.data)
        except (KeyError, TypeError, ValueError):
            pass
    return "; ".join(f"{_words(k)}: {v}" for k, v in fact.data.items() if k != "key")
