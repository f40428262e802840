"""What a clinician can do next on a journey, in the clinic's words, with the form's fields preset.

The picker offers first what fits where the patient is (a consultation before anything else, the
pre-infusion vitals before the infusion, "Override hold" while a blood-pressure hold stands), then
everything else their role may record. Each action is an event type plus the query arguments that
preset its form (the infusion's phase, the questionnaire), so nobody chooses "induction" on every form.
Read off the journey's view and history only: nothing here decides a rule, the engine still does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from careplan.domain.values import Fact
from careplan.domain.view import JourneyView
from web.journeys.timeline import series

PLAIN: dict[str, str] = {
    "ConsultationCompleted": "Consultation",
    "ConsentRecorded": "Informed consent",
    "MedicationReviewed": "Medication review",
    "ContraindicationScreened": "Contraindication screening",
    "ContraindicationOverridden": "Override a contraindication",
    "ScreeningOrdered": "Order lab screening",
    "ScreeningResulted": "Lab results",
    "AssessmentRecorded": "Assessment (PHQ-9, GAD-7, MADRS)",
    "InfusionScheduled": "Schedule an infusion",
    "VitalsRecorded": "Vitals",
    "InfusionCompleted": "Complete infusion",
    "InfusionHeld": "Hold the infusion",
    "HoldOverridden": "Override hold",
    "InfusionCancelled": "Cancel an infusion",
    "InfusionStopped": "Stop the infusion early",
    "DischargeAssessed": "Discharge assessment",
    "ResponseReviewed": "Response decision",
    "MaintenanceIntervalSet": "Maintenance interval",
    "ComplementaryCareGuidanceGiven": "Complementary care guidance",
    "ComplementaryCareCheckIn": "Complementary care check-in",
    "NoteAdded": "Note",
    "SafetyAlertAcknowledged": "Acknowledge a safety alert",
    "EventEnteredInError": "Entered in error",
    "JourneyPaused": "Pause the journey",
    "JourneyResumed": "Resume the journey",
    "JourneyClosed": "Close the journey",
}
"""Plain names of the clinician's event types, as the clinic says them."""

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
    return PLAIN.get(event_type, event_type)


def infusion_phase(view: JourneyView) -> str | None:
    """The series being given now: induction until it completes, then maintenance."""
    for phase in ("induction", "maintenance"):
        step = view.steps.get(phase)
        if step is not None and step.status in OPEN_STATUSES:
            return phase
    return None


def work_now(view: JourneyView, history: list[Fact]) -> list[Action]:
    """The infusion's next actions for the timeline's buttons: vitals, then the infusion; on a hold,
    the override (new vitals below the threshold also lift it)."""
    if view.status != "active":
        return []
    awaiting = discharge_pending(view)
    if awaiting is not None:
        return [
            Action("Record post-infusion vitals", "VitalsRecorded", {"phase": "post"}),
            Action("Discharge assessment", "DischargeAssessed", {"phase": awaiting}),
        ]
    phase = infusion_phase(view)
    if phase is None:
        return []
    step = view.steps[phase]
    pre = Action("Record pre-infusion vitals", "VitalsRecorded", {"phase": "pre"})
    if any(f.kind == "hold" for f in step.flags):
        return [Action("Override hold", "HoldOverridden", {"hold": "blood_pressure"}), pre]
    if step.status == "on-hold" or any(f.kind == "blocked" for f in step.flags):
        return []
    rows = series(history)
    pending = rows[-1] if rows and rows[-1].state == "pending" else None
    has_pre = pending is not None and any(v.data.get("phase") == "pre" for v in pending.vitals)
    if not has_pre:
        return [pre]
    return [
        Action("Complete infusion", "InfusionCompleted", {"phase": phase}),
        Action("Record vitals during the infusion", "VitalsRecorded", {"phase": "during"}),
        Action("Stop the infusion early", "InfusionStopped", {"phase": phase}),
    ]


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
