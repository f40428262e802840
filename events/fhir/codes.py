"""The codes a FHIR R4 export speaks: standard systems where one fits, careplan's own where none does.

LOINC for the scores and vital signs, HL7's terminology for categories and agent types, and
``urn:careplan:*`` systems for what is the clinic's own vocabulary (step names, event types, roles).
MADRS has no code here from LOINC on purpose: it is exported under careplan's instrument system with
its name in the text, rather than under a LOINC code we could not check.
"""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
URI_SYSTEM = "urn:ietf:rfc:3986"

PATIENT_REF_SYSTEM = "urn:careplan:patient-ref"
"""Default system of the patient identifier; a clinic passes its own MRN system to the exporter."""
USER_SYSTEM = "urn:careplan:user"
ROLE_SYSTEM = "urn:careplan:role"
STEP_SYSTEM = "urn:careplan:step"
EVENT_TYPE_SYSTEM = "urn:careplan:event-type"
INSTRUMENT_SYSTEM = "urn:careplan:instrument"
PLAN_DEFINITION = "urn:careplan:PlanDefinition"
CHAIN_HASH_EXTENSION = "urn:careplan:fhir:extension:chain-hash"
EVENT_VERSION_EXTENSION = "urn:careplan:fhir:extension:event-version"

TASK_STATUSES = frozenset({"requested", "ready", "in-progress", "on-hold", "completed", "cancelled", "failed"})
"""Step statuses are FHIR Task codes already (docs/contract.md section 3); anything else exports as failed."""

PHQ9_ITEMS = ("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8")
"""LOINC codes of PHQ-9 items 1 to 9, in the questionnaire's order (item 9: thoughts of self-harm)."""


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(*codings: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"coding": list(codings)}
    if text:
        found["text"] = text
    return found


INSTRUMENT_TOTALS: dict[str, dict[str, Any]] = {
    "PHQ9": concept(
        coding(LOINC, "44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
        text="PHQ-9 total score",
    ),
    "GAD7": concept(
        coding(LOINC, "70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"),
        text="GAD-7 total score",
    ),
    "MADRS": concept(
        coding(INSTRUMENT_SYSTEM, "MADRS-total", "Montgomery-Asberg Depression Rating Scale total score"),
        text="MADRS total score",
    ),
}

BLOOD_PRESSURE = concept(coding(LOINC, "85354-9", "Blood pressure panel with all children optional"), text="Blood pressure")
SYSTOLIC = concept(coding(LOINC, "8480-6", "Systolic blood pressure"))
DIASTOLIC = concept(coding(LOINC, "8462-4", "Diastolic blood pressure"))
HEART_RATE = concept(coding(LOINC, "8867-4", "Heart rate"), text="Heart rate")
OXYGEN_SATURATION = concept(
    coding(LOINC, "2708-6", "Oxygen saturation in Arterial blood"),
    coding(LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
    text="SpO2",
)
VITAL_SIGNS = [concept(coding(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs"))]
SURVEY = [concept(coding(OBSERVATION_CATEGORY, "survey", "Survey"))]


def quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def careplan_status(view_status: str, outcome: str | None) -> str:
    """active → active, paused → on-hold, closed → completed when the plan finished, else revoked."""
    if view_status == "paused":
        return "on-hold"
    if view_status == "closed":
        return "completed" if outcome == "completed" else "revoked"
    return "active"


def task_status(step_status: str) -> str:
    return step_status if step_status in TASK_STATUSES else "failed"
