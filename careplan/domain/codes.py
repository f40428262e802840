"""The coded values of the event vocabulary as ``Enum``s, one per field that takes a code.

Each member's value is the contract's string (docs/contract.md section 3), and they are ``str``
Enums, so ``Decision.MAINTENANCE == "maintenance"`` holds and a stored payload keeps the plain string.
The string tuples of ``vocabulary`` are derived from these, so a code is spelled once.
"""

from __future__ import annotations

from careplan.domain.payload import Code


class Finding(Code):
    CARDIOVASCULAR_DISEASE = "cardiovascular_disease"
    LIVER_FAILURE = "liver_failure"
    SUBSTANCE_USE_HISTORY = "substance_use_history"
    PSYCHOTIC_DISORDER = "psychotic_disorder"
    PREGNANCY_OR_BREASTFEEDING = "pregnancy_or_breastfeeding"
    UNCONTROLLED_HYPERTENSION = "uncontrolled_hypertension"


class Panel(Code):
    HORMONE = "hormone"
    THYROID = "thyroid"
    DIABETES = "diabetes"


class Instrument(Code):
    PHQ9 = "PHQ9"
    MADRS = "MADRS"
    GAD7 = "GAD7"


class AssessmentContext(Code):
    BASELINE = "baseline"
    INFUSION = "infusion"
    RESPONSE_CHECK = "response_check"
    MAINTENANCE = "maintenance"
    OTHER = "other"
    REMOTE = "remote"
    """Answered by the patient by link, from home (DESIGN 7.7)."""


class InfusionPhase(Code):
    INDUCTION = "induction"
    MAINTENANCE = "maintenance"


class VitalsPhase(Code):
    PRE = "pre"
    DURING = "during"
    POST = "post"


class Hold(Code):
    BLOOD_PRESSURE = "blood_pressure"


class StopCause(Code):
    HYPERTENSION = "hypertension"
    TACHYCARDIA = "tachycardia"
    DESATURATION = "desaturation"
    DISSOCIATION = "dissociation"
    NAUSEA = "nausea"
    PATIENT_REQUEST = "patient_request"
    OTHER = "other"


class Decision(Code):
    MAINTENANCE = "maintenance"
    EXTEND_INDUCTION = "extend_induction"
    DISCONTINUE = "discontinue"


class CareArea(Code):
    EXERCISE = "exercise"
    SLEEP = "sleep"
    MINDFULNESS = "mindfulness"
    NUTRITION = "nutrition"


class Adherence(Code):
    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


class Outcome(Code):
    COMPLETED = "completed"
    DISCONTINUED = "discontinued"
    TRANSFERRED = "transferred"
    OTHER = "other"


class SideEffect(Code):
    DISSOCIATION = "dissociation"
    NAUSEA = "nausea"
    VOMITING = "vomiting"
    DIZZINESS = "dizziness"
    HEADACHE = "headache"
    ELEVATED_BLOOD_PRESSURE = "elevated_blood_pressure"
    SEDATION = "sedation"
    ANXIETY = "anxiety"
    BLURRED_VISION = "blurred_vision"
    OTHER = "other"


class RiskLevel(Code):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


def values(code: type[Code]) -> tuple[str, ...]:
    return tuple(str(member.value) for member in code)
