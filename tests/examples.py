"""One valid ``data`` payload per clinician event type, as a JSON client would send it.

Shared by the tests of every layer (schemas, application, web), so they all agree on what a valid
event looks like. Datetimes are ISO strings; the names are the contract of docs/contract.md section 3, spelt
out here on purpose rather than imported, so that a renamed code breaks the tests.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

VALID_DATA: dict[str, dict[str, Any]] = {
    "ConsultationCompleted": {
        "eligible": True,
        "prior_antidepressant_trials": 3,
        "psychotherapy_tried": True,
        "goals": "Return to work; sleep through the night.",
    },
    "MedicationReviewed": {
        "medications": [
            {"name": "sertraline", "dose": "100 mg daily", "drug_class": "SSRI"},
            {"name": "lorazepam", "dose": "0.5 mg as needed", "drug_class": "benzodiazepine"},
        ],
        "benzodiazepine_diazepam_eq_mg": 5,
        "taper_required": False,
    },
    "ContraindicationScreened": {"findings": []},
    "ContraindicationOverridden": {"finding": "substance_use_history"},
    "HoldOverridden": {"hold": "blood_pressure"},
    "ScreeningOrdered": {"panel": "thyroid"},
    "ScreeningResulted": {"panel": "thyroid", "abnormal": False, "values": {"TSH": 2.1, "T4": 14}},
    "AssessmentRecorded": {
        "instrument": "PHQ9",
        "total": 18,
        "items": [2, 2, 2, 2, 2, 2, 3, 3, 0],  # item 9 at 0: no self-harm alert to work before an infusion
        "context": "baseline",
    },
    "InfusionScheduled": {"phase": "induction", "scheduled_for": "2025-03-03T09:00:00+00:00"},
    "VitalsRecorded": {"phase": "pre", "systolic": 128, "diastolic": 82, "heart_rate": 72, "spo2": 98},
    "InfusionHeld": {"phase": "induction"},
    "InfusionCompleted": {
        "phase": "induction",
        "dose_mg_per_kg": 0.5,
        "weight_kg": 72.5,
        "duration_min": 40,
        "escort_confirmed": True,
        "side_effects": ["dissociation", "nausea"],
    },
    "InfusionCancelled": {"phase": "induction"},
    "InfusionStopped": {"phase": "induction", "minutes_given": 20, "cause": "hypertension"},
    "DischargeAssessed": {"phase": "induction", "observation_min": 40, "alert_and_oriented": True, "escort_present": True},
    "SideEffectReported": {"effect": "nausea", "severity": "mild", "note": "Settled with ondansetron."},
    "ConsentRecorded": {"form_version": "2026-01", "signed": True, "witness": "Nurse A. Okafor"},
    "ResponseReviewed": {"decision": "maintenance"},
    "MaintenanceIntervalSet": {"weeks": 4},
    "ComplementaryCareGuidanceGiven": {"area": "sleep", "guidance": "Keep a regular wake time."},
    "ComplementaryCareCheckIn": {"area": "sleep", "adherence": "partial", "notes": "Up at 7 most days."},
    "NoteAdded": {"text": "Patient asked about driving after infusions."},
    "EventEnteredInError": {"target_version": 3},
    "JourneyPaused": {},
    "JourneyResumed": {},
    "JourneyClosed": {"outcome": "completed"},
    "SafetyAlertAcknowledged": {"alert_version": 5, "risk_assessment": "moderate", "plan": "Crisis line given."},
}

VALID_JOURNEY_OPENED: dict[str, Any] = {"patient_ref": "MRN-000123", "protocol": "ketamine-trd"}


def assert_storable(value: Any) -> None:
    """Only what the event store keeps: str, int, float, bool, list, dict and aware UTC datetimes."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, repr(key)
            assert_storable(item)
    elif isinstance(value, list):
        for item in value:
            assert_storable(item)
    elif isinstance(value, datetime):
        assert value.utcoffset() == timedelta(0), repr(value)
    else:
        assert type(value) in (str, int, float, bool), repr(value)
