"""What a clinician can do next on a journey, in the clinic's words, with the form's fields preset.

The picker offers first what fits where the patient is (a consultation before anything else, the
pre-infusion vitals before the infusion, "Override hold" while a blood-pressure hold stands), then
everything else their role may record. Each action is an event type plus the query arguments that
preset its form (the infusion's phase, the questionnaire), so nobody chooses "induction" on every form.
Read off the journey's view and history only: nothing here decides a rule. The infusion's buttons
follow the rules' own verdict that the view carries (``JourneyView.next_infusion``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from careplan.domain.catalogue import CLINICIAN_EVENTS, label
from careplan.domain.values import Fact
from careplan.domain.view import JourneyView
from web.journeys.timeline import series

PLAIN: dict[str, str] = {name: label(name) for name in CLINICIAN_EVENTS}
"""Plain names of the clinician's event types, as the clinic says them (each class's ``About.label``)."""

INSTRUMENT_NAMES = {"PHQ9": "PHQ-9", "GAD7": "GAD-7", "MADRS": "MADRS"}
OPEN_STATUSES = ("ready", "in-progress", "on-hold")


@dataclass(frozen=True)
class Action:
    label: str
    event_type: str
    preset: dict[str, str] = field(default_factory=dict)


def title_of(event_type: str, args: Mapping[str, str]) -> str:
    """The form's heading: "Pre-infusion vitals", "PHQ-9", "Complete infusion"."""
    if event_type == "VitalsRecorded" and args.get("phase") in ("pre", "during", "post"):
        return f"{args['phase'].capitalize()}-infusion vitals"
    if event_type == "AssessmentRecorded" and args.get("instrument") in INSTRUMENT_NAMES:
        return INSTRUMENT_NAMES[args["instrument"]]
    return label(event_type)


def infusion_phase(view: JourneyView) -> str | None:
    """The series being given now: induction until it completes, then maintenance."""
    for phase in ("induction", "maintenance"):
        step = view.steps.get(phase)
        if step is not None and step.status in OPEN_STATUSES:
            return phase
    return None


PRE_VITALS_CODES = frozenset({"vitals_missing", "vitals_stale", "vitals_out_of_range"})
"""Refusals that new pre-infusion vitals answer."""


def work_now(view: JourneyView, history: list[Fact]) -> list[Action]:
    """The infusion's buttons, read off the rules' verdict on the next infusion (``view.next_infusion``,
    DESIGN 7.2): "Complete infusion" only while the rules would accept it; the pre-infusion vitals
    while they are what it waits for; the override on a hold. Whether the patient is in the chair (pre
    vitals taken for the infusion under way) only decides whether stopping early is on offer."""
    if view.status != "active":
        return []
    awaiting = discharge_pending(view)
    if awaiting is not None:
        return [
            Action("Record post-infusion vitals", "VitalsRecorded", {"phase": "post"}),
            Action("Discharge assessment", "DischargeAssessed", {"phase": awaiting}),
        ]
    verdict = view.next_infusion
    if verdict is None:
        return []
    phase = verdict.phase
    pre = Action("Record pre-infusion vitals", "VitalsRecorded", {"phase": "pre"})
    under_way = [
        Action("Record vitals during the infusion", "VitalsRecorded", {"phase": "during"}),
        Action("Stop the infusion early", "InfusionStopped", {"phase": phase}),
    ] if in_chair(history) else []
    if verdict.accepted:
        return [Action("Complete infusion", "InfusionCompleted", {"phase": phase}), *under_way]
    if verdict.code in PRE_VITALS_CODES:
        return [pre]
    if verdict.code == "blood_pressure_hold":
        return [Action("Override hold", "HoldOverridden", {"hold": "blood_pressure"}), pre]
    return under_way  # an alert to work, a contraindication, the spacing: "Due next" names it


def in_chair(history: list[Fact]) -> bool:
    """Pre-infusion vitals were taken for an infusion not yet given: the patient is in the chair."""
    rows = series(history)
    pending = rows[-1] if rows and rows[-1].state == "pending" else None
    return pending is not None and any(v.data.get("phase") == "pre" for v in pending.vitals)


def discharge_pending(view: JourneyView) -> str | None:
    """The phase of the infusion that waits for its discharge assessment, if one does."""
    for phase in ("induction", "maintenance"):
        step = view.steps.get(phase)
        if step is not None and step.has_flag("discharge_pending"):
            return phase
    return None


def fitting(view: JourneyView, history: list[Fact]) -> list[Action]:
    """What fits where the patient is, most pressing first."""
    steps = view.steps
    if view.status == "paused":
        return [Action("Resume the journey", "JourneyResumed")]
    if view.status == "closed":
        return [Action("Note", "NoteAdded")]

    def open_(name: str) -> bool:
        step = steps.get(name)
        return step is not None and step.status in ("requested", *OPEN_STATUSES)

    actions: list[Action] = []
    if open_("consultation"):
        actions.append(Action("Consultation", "ConsultationCompleted"))
    if open_("consent") and not open_("consultation"):
        actions.append(Action("Informed consent", "ConsentRecorded"))
    if open_("medication_review") and not open_("consultation"):
        actions.append(Action("Medication review", "MedicationReviewed"))
    if open_("contraindication_screening") and not open_("consultation"):
        actions.append(Action("Contraindication screening", "ContraindicationScreened"))
        if any(f.kind == "blocked" for f in steps["contraindication_screening"].flags):
            actions.append(Action("Override a contraindication", "ContraindicationOverridden"))
    if open_("lab_screening") and not open_("consultation"):
        actions += [Action("Order lab screening", "ScreeningOrdered"), Action("Lab results", "ScreeningResulted")]
    if open_("baseline_assessment") and not open_("consultation"):
        actions.append(Action("PHQ-9 (baseline)", "AssessmentRecorded", {"instrument": "PHQ9", "context": "baseline"}))
    phase = infusion_phase(view)
    if phase is not None:
        actions += work_now(view, history)
        actions.append(Action(f"Schedule the next {phase} infusion", "InfusionScheduled", {"phase": phase}))
        actions.append(Action("PHQ-9 (at an infusion)", "AssessmentRecorded", {"instrument": "PHQ9", "context": "infusion"}))
        actions.append(Action("Hold the infusion", "InfusionHeld", {"phase": phase}))
    if open_("response_check") and steps["response_check"].status in OPEN_STATUSES:
        actions.append(Action("PHQ-9 (response check)", "AssessmentRecorded", {"instrument": "PHQ9", "context": "response_check"}))
        actions.append(Action("Response decision", "ResponseReviewed"))
    if phase == "maintenance":
        actions.append(Action("Maintenance interval", "MaintenanceIntervalSet"))
    if open_("complementary_care") and not open_("consultation"):
        actions.append(Action("Complementary care check-in", "ComplementaryCareCheckIn"))
    actions.append(Action("Note", "NoteAdded"))
    return _unique(actions)


def _unique(actions: list[Action]) -> list[Action]:
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    kept = []
    for action in actions:
        key = (action.event_type, tuple(sorted(action.preset.items())))
        if key not in seen:
            seen.add(key)
            kept.append(action)
    return kept
