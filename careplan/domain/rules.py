"""The protocol's rules: whether an event may be recorded on a journey now.

Each rule raises :class:`RuleViolation` with a stable code and a sentence a clinician can act on. They
run before anything is recorded, so a refused event leaves no trace in the history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from careplan.domain.errors import RuleViolation
from careplan.domain.record import ClinicalRecord
from careplan.domain.vocabulary import REASON_REQUIRED, SYSTEM_EVENTS

CLOCK_SKEW = timedelta(minutes=2)
"""How far ahead of the server's clock a device's clock may run before its time counts as future."""

ALLOWED_WHEN_CLOSED = frozenset({"NoteAdded", "EventEnteredInError"})
REFUSED_WHEN_PAUSED = frozenset({"InfusionScheduled", "InfusionCompleted"})
NEEDS_CONSULTATION = frozenset(
    {
        "MedicationReviewed",
        "ContraindicationScreened",
        "ScreeningOrdered",
        "ScreeningResulted",
        "InfusionScheduled",
        "ComplementaryCareGuidanceGiven",
        "ComplementaryCareCheckIn",
    }
)
NOT_CORRECTABLE = frozenset({"JourneyOpened", "ProtocolMigrated", "EventEnteredInError"}) | frozenset(
    SYSTEM_EVENTS
)

Check = Callable[[ClinicalRecord, dict[str, Any], datetime, "str | None"], None]


def check(
    record: ClinicalRecord,
    event_type: str,
    data: dict[str, Any],
    occurred_at: datetime,
    reason: str | None,
    now: datetime,
    history_types: dict[int, str] | None = None,
) -> None:
    """Raises RuleViolation when the protocol refuses this event on this record at ``now``."""
    _check_common(record, event_type, data, occurred_at, reason, now)
    if event_type == "EventEnteredInError":
        _check_correction(record, data, history_types or {})
        return
    specific = _CHECKS.get(event_type)
    if specific is not None:
        specific(record, data, occurred_at, reason)


def _needs_consultation(event_type: str, data: dict[str, Any]) -> bool:
    """A baseline PHQ-9 is a step after the consultation; a PHQ-9 for another purpose may come any time."""
    if event_type == "AssessmentRecorded":
        return data.get("context") == "baseline"
    return event_type in NEEDS_CONSULTATION


def _check_common(
    record: ClinicalRecord,
    event_type: str,
    data: dict[str, Any],
    occurred_at: datetime,
    reason: str | None,
    now: datetime,
) -> None:
    if occurred_at > now + CLOCK_SKEW:
        raise RuleViolation("occurred_in_future", "An event cannot have happened in the future.")
    if record.opened_at is not None and occurred_at < record.opened_at:
        raise RuleViolation(
            "before_opened", "An event cannot have happened before the journey was opened."
        )
    if event_type in REASON_REQUIRED and not (reason and reason.strip()):
        raise RuleViolation("reason_required", f"{event_type} needs a reason.")
    if record.closed is not None and event_type not in ALLOWED_WHEN_CLOSED:
        raise RuleViolation(
            "journey_closed", "The journey is closed: only notes and corrections can be added."
        )
    if record.paused is not None and event_type in REFUSED_WHEN_PAUSED:
        raise RuleViolation("journey_paused", "The journey is paused: resume it before infusions.")
    if _needs_consultation(event_type, data) and record.consultation is None:
        raise RuleViolation("prerequisite_missing", "This step needs a completed consultation first.")


def _check_correction(record: ClinicalRecord, data: dict[str, Any], types: dict[int, str]) -> None:
    target = int(data["target_version"])
    if target not in types:
        raise RuleViolation("no_such_version", f"The journey has no event at version {target}.")
    if types[target] in NOT_CORRECTABLE:
        raise RuleViolation(
            "not_correctable", f"A {types[target]} event cannot be marked as entered in error."
        )
    if target in record.errored:
        raise RuleViolation("already_in_error", f"Version {target} is already marked as entered in error.")


def _contraindication_overridden(r: ClinicalRecord, d: dict[str, Any], at: datetime, why: str | None) -> None:
    if d["finding"] not in r.open_findings():
        raise RuleViolation(
            "no_such_finding", "That finding is not an open contraindication of the latest screening."
        )


def _hold_overridden(r: ClinicalRecord, d: dict[str, Any], at: datetime, why: str | None) -> None:
    if r.bp_hold is None:
        raise RuleViolation("no_active_hold", "There is no blood-pressure hold to override.")


def _screening_resulted(r: ClinicalRecord, d: dict[str, Any], at: datetime, why: str | None) -> None:
    if d["panel"] not in r.labs_ordered:
        raise RuleViolation("screening_not_ordered", f"The {d['panel']} panel was not ordered.")


def _scheduled(r: ClinicalRecord, d: dict[str, Any], at: datetime, why: str | None) -> None:
    if r.eligible() is False:
        raise RuleViolation("not_eligible", "The consultation found the patient not eligible.")
    if d["phase"] == "maintenance":
        _require_maintenance(r)


def _cancelled(r: ClinicalRecord, d: dict[str, Any], at: datetime, why: str | None) -> None:
    if r.next_appointment(d["phase"]) is None:
        raise RuleViolation("nothing_scheduled", f"No {d['phase']} infusion is scheduled to cancel.")


def _completed(r: ClinicalRecord, d: dict[str, Any], at: datetime, why: str | None) -> None:
    if d["phase"] == "induction":
        _require_induction_ready(r, at)
    else:
        _require_maintenance(r)
    if r.decision is not None and at < r.decision.occurred_at:
        # The review closed the series it judged; a backdated infusion would slip into that series.
        raise RuleViolation(
            "before_response_review",
            f"The response review of {r.decision.occurred_at:%Y-%m-%d %H:%M} closed the series before this "
            "time: an infusion cannot be dated before it.",
        )
    if r.pre_vitals is None or r.pre_vitals.occurred_at > at:
        raise RuleViolation(
            "vitals_missing", "Record pre-infusion vitals, taken before the infusion, before completing it."
        )
    if not d.get("escort_confirmed"):
        raise RuleViolation("escort_not_confirmed", "Confirm an escort home before completing the infusion.")
    if r.bp_hold is not None:
        s = r.protocol.safety
        raise RuleViolation(
            "blood_pressure_hold",
            f"Pre-infusion blood pressure {r.bp_hold.systolic}/{r.bp_hold.diastolic} is at or above "
            f"{s.bp_hold_systolic}/{s.bp_hold_diastolic}: record new vitals, hold the infusion, or "
            "override the hold with a reason.",
        )
    spacing = timedelta(hours=r.protocol.induction.min_spacing_hours)
    for infusion in r.infusions:
        if abs(infusion.occurred_at - at) < spacing:
            raise RuleViolation(
                "spacing_too_short",
                f"Infusions must be at least {r.protocol.induction.min_spacing_hours} h apart.",
            )


def _require_induction_ready(r: ClinicalRecord, at: datetime) -> None:
    for problem in induction_blockers(r, at):
        raise RuleViolation(*problem)
    if r.induction_complete():
        raise RuleViolation(
            "induction_complete", "The induction series is complete: review the response next."
        )
    series = [i.occurred_at for i in r.current_series()] + [at]
    if max(series) - min(series) > timedelta(days=r.protocol.induction.window_days):
        raise RuleViolation(
            "induction_window_exceeded",
            f"All induction infusions must fall within {r.protocol.induction.window_days} days of the "
            "first: review the response to decide on an extended induction.",
        )


def induction_blockers(r: ClinicalRecord, at: datetime) -> list[tuple[str, str]]:
    """Why induction cannot go ahead at ``at``, as (code, sentence) pairs; empty when it can.

    Shared by the rules (which refuse on the first) and the views (which show them all).
    """
    problems: list[tuple[str, str]] = []
    if r.consultation is None:
        problems.append(("prerequisite_missing", "The consultation is not complete."))
    elif r.eligible() is False:
        problems.append(("not_eligible", "The consultation found the patient not eligible."))
    if r.decision is not None and r.decision.data["decision"] == "discontinue":
        problems.append(("discontinued", "The response review decided to discontinue treatment."))
    if r.medication_review is None:
        problems.append(("prerequisite_missing", "The medication review is not complete."))
    elif r.taper_pending():
        problems.append(("taper_pending", "A benzodiazepine taper is pending: review medication again."))
    if r.screening is None:
        problems.append(("prerequisite_missing", "Contraindication screening is not complete."))
    elif r.open_findings():
        problems.append(
            ("contraindicated", "Contraindications not overridden: " + ", ".join(r.open_findings()) + ".")
        )
    baseline = r.baseline(before=at)
    if baseline is None:
        problems.append(("baseline_missing", "No baseline PHQ-9 has been recorded."))
    elif not r.induction_infusions():
        days = r.protocol.due_days("baseline_assessment")
        if at - baseline.occurred_at > timedelta(days=days):
            problems.append(
                ("baseline_stale", f"The baseline PHQ-9 is more than {days} days old: repeat it.")
            )
    return problems


def _require_maintenance(r: ClinicalRecord) -> None:
    if r.decision is None or r.decision.data["decision"] != "maintenance":
        raise RuleViolation(
            "maintenance_not_started", "Maintenance starts after a response review decides on it."
        )


def _response(r: ClinicalRecord, d: dict[str, Any], at: datetime, why: str | None) -> None:
    series = r.current_series()
    window_end = r.induction_window_end()
    window_closed = window_end is not None and at > window_end
    if not r.induction_complete() and not window_closed:
        raise RuleViolation(
            "induction_incomplete", "The response is reviewed after the induction series is complete."
        )
    last = series[-1].occurred_at if series else None
    earliest = r.protocol.response_check.earliest_days
    if last is not None and at < last + timedelta(days=earliest):
        raise RuleViolation(
            "response_check_too_early",
            f"The response check is at least {earliest} day(s) after the last induction infusion.",
        )
    if last is None or not [a for a in r.phq9() if a.occurred_at > last]:
        raise RuleViolation(
            "response_phq9_missing", "Record a PHQ-9 after the last induction infusion first."
        )


def _interval(r: ClinicalRecord, d: dict[str, Any], at: datetime, why: str | None) -> None:
    m = r.protocol.maintenance
    if not m.min_interval_weeks <= int(d["weeks"]) <= m.max_interval_weeks:
        raise RuleViolation(
            "interval_out_of_range",
            f"The maintenance interval is {m.min_interval_weeks} to {m.max_interval_weeks} weeks.",
        )


def _paused(r: ClinicalRecord, d: dict[str, Any], at: datetime, why: str | None) -> None:
    if r.paused is not None:
        raise RuleViolation("already_paused", "The journey is already paused.")


def _resumed(r: ClinicalRecord, d: dict[str, Any], at: datetime, why: str | None) -> None:
    if r.paused is None:
        raise RuleViolation("not_paused", "The journey is not paused.")


def _acknowledged(r: ClinicalRecord, d: dict[str, Any], at: datetime, why: str | None) -> None:
    if int(d["alert_version"]) not in {a.version for a in r.open_alerts()}:
        raise RuleViolation("no_such_alert", "There is no open safety alert at that version.")


_CHECKS: dict[str, Check] = {
    "ContraindicationOverridden": _contraindication_overridden,
    "HoldOverridden": _hold_overridden,
    "ScreeningResulted": _screening_resulted,
    "InfusionScheduled": _scheduled,
    "InfusionCancelled": _cancelled,
    "InfusionCompleted": _completed,
    "ResponseReviewed": _response,
    "MaintenanceIntervalSet": _interval,
    "JourneyPaused": _paused,
    "JourneyResumed": _resumed,
    "SafetyAlertAcknowledged": _acknowledged,
}
