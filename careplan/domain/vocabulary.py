"""The words of the clinic: step names, event types and the codes their fields take.

These strings are a contract (docs/contract.md section 3): outside tools and tests match on them, so they are
plain strings kept in one place rather than Enums, which the event store would silently turn into
strings on the way back anyway.
"""

from __future__ import annotations

# The event types are derived from their classes (``careplan.domain.catalogue``), re-exported here.
from careplan.domain.catalogue import ALL_EVENTS as ALL_EVENTS
from careplan.domain.catalogue import CLINICIAN_EVENTS as CLINICIAN_EVENTS
from careplan.domain.catalogue import LIFECYCLE_EVENTS as LIFECYCLE_EVENTS
from careplan.domain.catalogue import REASON_REQUIRED as REASON_REQUIRED
from careplan.domain.catalogue import SYSTEM_EVENTS as SYSTEM_EVENTS

STEPS: tuple[str, ...] = (
    "consultation",
    "consent",
    "medication_review",
    "contraindication_screening",
    "lab_screening",
    "baseline_assessment",
    "induction",
    "response_check",
    "maintenance",
    "complementary_care",
)
"""The engine's step kinds, in the order a journey shows them: a protocol chooses its steps from these."""
OPTIONAL_STEPS: frozenset[str] = frozenset({"consent", "lab_screening", "complementary_care"})
"""Steps a protocol may leave out (DESIGN 7.6); every other step kind is in every protocol."""

# FHIR Task status codes used for steps.
REQUESTED = "requested"
READY = "ready"
IN_PROGRESS = "in-progress"
ON_HOLD = "on-hold"
COMPLETED = "completed"
CANCELLED = "cancelled"
FAILED = "failed"
STEP_STATUSES: tuple[str, ...] = (REQUESTED, READY, IN_PROGRESS, ON_HOLD, COMPLETED, CANCELLED, FAILED)

FINDINGS: tuple[str, ...] = (
    "cardiovascular_disease",
    "liver_failure",
    "substance_use_history",
    "psychotic_disorder",
    "pregnancy_or_breastfeeding",
    "uncontrolled_hypertension",
)
PANELS: tuple[str, ...] = ("hormone", "thyroid", "diabetes")
INSTRUMENTS: tuple[str, ...] = ("PHQ9", "MADRS", "GAD7")
ASSESSMENT_CONTEXTS: tuple[str, ...] = ("baseline", "infusion", "response_check", "maintenance", "other", "remote")
INFUSION_PHASES: tuple[str, ...] = ("induction", "maintenance")
VITALS_PHASES: tuple[str, ...] = ("pre", "during", "post")
HOLDS: tuple[str, ...] = ("blood_pressure",)
STOP_CAUSES: tuple[str, ...] = (
    "hypertension",
    "tachycardia",
    "desaturation",
    "dissociation",
    "nausea",
    "patient_request",
    "other",
)
DECISIONS: tuple[str, ...] = ("maintenance", "extend_induction", "discontinue")
CARE_AREAS: tuple[str, ...] = ("exercise", "sleep", "mindfulness", "nutrition")
ADHERENCE: tuple[str, ...] = ("none", "partial", "full")
OUTCOMES: tuple[str, ...] = ("completed", "discontinued", "transferred", "other")
SIDE_EFFECTS: tuple[str, ...] = (
    "dissociation",
    "nausea",
    "vomiting",
    "dizziness",
    "headache",
    "elevated_blood_pressure",
    "sedation",
    "anxiety",
    "blurred_vision",
    "other",
)
ROLES: tuple[str, ...] = ("coordinator", "clinician", "auditor", "admin", "system")
