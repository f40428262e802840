"""The protocol's step graph: what each step waits for (``requires``) and when it falls due (``due``).

Both are read from the journey's protocol version, never from code: a clinic that adds
``lab_screening`` to induction's ``requires`` gets an induction that waits for the lab results, and a
clinic that dates the medication review from the opening instead of the consultation gets that.
What "done" means for each step as a prerequisite, and what each due anchor names, is defined here
once, for the rules and the views alike.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from careplan.domain.record import ClinicalRecord

Problem = tuple[str, str]


def _consultation(r: ClinicalRecord, at: datetime) -> list[Problem]:
    return [] if r.consultation is not None else [("prerequisite_missing", "The consultation is not complete.")]


def _medication_review(r: ClinicalRecord, at: datetime) -> list[Problem]:
    if r.medication_review is None:
        return [("prerequisite_missing", "The medication review is not complete.")]
    if r.taper_pending():
        return [("taper_pending", "A benzodiazepine taper is pending: review medication again.")]
    return []


def _screening(r: ClinicalRecord, at: datetime) -> list[Problem]:
    if r.screening is None:
        return [("prerequisite_missing", "Contraindication screening is not complete.")]
    if r.open_findings():
        found = ", ".join(f.replace("_", " ") for f in r.open_findings())  # read by people, as the flags are
        return [("contraindicated", f"Contraindications not overridden: {found}.")]
    return []


def _consent(r: ClinicalRecord, at: datetime) -> list[Problem]:
    consent = r.consent
    if consent is None or consent.occurred_at > at:
        return [("consent_missing", "Informed consent has not been recorded.")]
    if not consent.payload.signed:
        return [("consent_missing", "The consent form was not signed.")]
    return []


def _labs(r: ClinicalRecord, at: datetime) -> list[Problem]:
    missing = [p for p in r.protocol.panels_before_induction if p not in r.labs_resulted]
    if missing:
        return [("labs_pending", "Lab results are not in yet: " + ", ".join(p.replace("_", " ") for p in missing) + ".")]
    return []


def _baseline(r: ClinicalRecord, at: datetime) -> list[Problem]:
    baseline = r.baseline(before=at)
    if baseline is None:
        return [("baseline_missing", "No baseline PHQ-9 has been recorded.")]
    if not r.induction_infusions():
        days = r.protocol.due_days("baseline_assessment")
        if at - baseline.occurred_at > timedelta(days=days):
            return [("baseline_stale", f"The baseline PHQ-9 is more than {days} days old: repeat it.")]
    return []


def _induction(r: ClinicalRecord, at: datetime) -> list[Problem]:
    """Done when the series is complete, or its window has closed (the response is then reviewed on
    what was given), or maintenance has been decided."""
    if r.induction_complete() or r.decided("maintenance"):
        return []
    window_end = r.induction_window_end()
    if window_end is not None and at > window_end:
        return []
    return [("induction_incomplete", "The response is reviewed after the induction series is complete.")]


def _response(r: ClinicalRecord, at: datetime) -> list[Problem]:
    if r.decision is None or r.decided("extend_induction"):
        return [("response_not_reviewed", "The response has not been reviewed.")]
    return []


def _maintenance(r: ClinicalRecord, at: datetime) -> list[Problem]:
    return [] if r.decided("maintenance") else [("maintenance_not_started", "Maintenance has not started.")]


def _complementary(r: ClinicalRecord, at: datetime) -> list[Problem]:
    if r.guidance or r.last_check_in:
        return []
    return [("prerequisite_missing", "No complementary-care guidance has been given.")]


DONE: dict[str, Callable[[ClinicalRecord, datetime], list[Problem]]] = {
    "consultation": _consultation,
    "consent": _consent,
    "medication_review": _medication_review,
    "contraindication_screening": _screening,
    "lab_screening": _labs,
    "baseline_assessment": _baseline,
    "induction": _induction,
    "response_check": _response,
    "maintenance": _maintenance,
    "complementary_care": _complementary,
}
"""Why a step does not yet count as done for the steps that require it (empty: it does)."""


def unmet(r: ClinicalRecord, step: str, at: datetime) -> list[Problem]:
    """Why ``step`` cannot go ahead at ``at`` for want of the steps the protocol says it requires."""
    problems: list[Problem] = []
    if not r.protocol.has_step(step):
        return problems  # a step the protocol leaves out waits for nothing (its events are refused)
    for required in r.protocol.step(step).requires:
        problems.extend(DONE[required](r, at))
    return problems


def waiting(r: ClinicalRecord, step: str, at: datetime) -> bool:
    return bool(unmet(r, step, at))


# -- due anchors --------------------------------------------------------------------------------


def _series_last(r: ClinicalRecord) -> datetime | None:
    series = r.current_series()
    return series[-1].occurred_at if series else None


def _first_infusion(r: ClinicalRecord) -> datetime | None:
    """The first induction infusion's appointment: a step anchored here is due by then."""
    if r.induction_infusions():
        return None
    appointment = r.next_appointment("induction")
    return appointment.scheduled_for if appointment else None


def _last_check_in(r: ClinicalRecord) -> datetime | None:
    """Check-ins fall due while infusions are active: from the last check-in, guidance or first infusion."""
    infusions = r.induction_infusions()
    if not infusions or r.decided("discontinue"):
        return None
    anchors = list(r.guidance.values()) + [infusions[0].occurred_at]
    if r.last_check_in is not None:
        anchors.append(r.last_check_in)
    return max(anchors)


def _entry_time(name: str) -> Callable[[ClinicalRecord], datetime | None]:
    def anchor(r: ClinicalRecord) -> datetime | None:
        entry = getattr(r, name)
        return None if entry is None else entry.occurred_at

    return anchor


ANCHORS: dict[str, Callable[[ClinicalRecord], datetime | None]] = {
    "opened": lambda r: r.opened_at,
    "consultation": _entry_time("consultation"),
    "medication_review": _entry_time("medication_review"),
    "contraindication_screening": _entry_time("screening"),
    "first_infusion": _first_infusion,
    "previous_infusion": _series_last,
    "last_induction_infusion": _series_last,
    "last_check_in": _last_check_in,
    "response_check": _entry_time("decision"),
}
"""The moments a step's ``due.from`` may name. ``first_infusion`` is a deadline (the step is due by
the first infusion and counts for ``within_days`` before it); every other anchor starts a clock of
``within_days``."""

DEADLINE_ANCHORS = frozenset({"first_infusion"})


def due_of(r: ClinicalRecord, step: str) -> datetime | None:
    """When ``step`` is due by the protocol's rule for it; None when its anchor has not happened."""
    if not r.protocol.has_step(step):
        return None
    rule = r.protocol.step(step).due
    if rule is None:
        return None
    start = ANCHORS[rule.from_](r)
    if start is None:
        return None
    if rule.from_ in DEADLINE_ANCHORS:
        return start
    return start + timedelta(days=rule.within_days)
