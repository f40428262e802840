"""Journeys recorded through the application, as the clinic would record them, for the audit tests."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from careplan.application import CarePlan
from careplan.domain.values import Actor

CLINICIAN = Actor(id="dr-lee", role="clinician")
NURSE = Actor(id="rn-okafor", role="clinician")
PATIENT_REF = "MRN-7731-AUDIT"

DISCHARGE = {"phase": "induction", "observation_min": 40, "alert_and_oriented": True, "escort_present": True}
PHQ9 = {"instrument": "PHQ9", "total": 18, "items": [2, 2, 2, 2, 2, 2, 3, 3, 0], "context": "baseline"}


def short_history(app: CarePlan, clock: Any, patient_ref: str = PATIENT_REF) -> UUID:
    """Six events an hour apart: opened, consultation, medication review, screening, PHQ-9, a note."""
    journey = app.open_journey(patient_ref, actor=CLINICIAN)
    for event_type, data in (
        ("ConsultationCompleted", {"eligible": True, "prior_antidepressant_trials": 3, "psychotherapy_tried": True}),
        ("MedicationReviewed", {"medications": [], "benzodiazepine_diazepam_eq_mg": 0, "taper_required": False}),
        ("ContraindicationScreened", {"findings": []}),
        ("AssessmentRecorded", PHQ9),
        ("NoteAdded", {"text": "Escort will be the patient's sister."}),
    ):
        clock.advance(hours=1)
        app.record(journey, event_type, data, actor=CLINICIAN)
    return journey


def full_journey(app: CarePlan, clock: Any, patient_ref: str = PATIENT_REF) -> UUID:
    """A whole course: work-up, labs, six induction infusions with vitals, response check, maintenance."""
    journey = short_history(app, clock, patient_ref)
    rec = _recorder(app, journey)
    rec("ScreeningOrdered", {"panel": "thyroid"})
    rec("ComplementaryCareGuidanceGiven", {"area": "sleep", "guidance": "Keep a regular wake time."})
    rec("AssessmentRecorded", {"instrument": "GAD7", "total": 12, "items": [2, 2, 2, 2, 2, 1, 1], "context": "baseline"})
    rec("AssessmentRecorded", {"instrument": "MADRS", "total": 31, "items": [4, 4, 4, 4, 3, 3, 3, 3, 3, 0], "context": "baseline"})
    clock.advance(days=1)
    rec("ScreeningResulted", {"panel": "thyroid", "abnormal": False, "values": {"TSH": 2.1}})
    for number in range(6):
        clock.advance(hours=48 if number else 24)
        rec("VitalsRecorded", {"phase": "pre", "systolic": 126, "diastolic": 81, "heart_rate": 74, "spo2": 98}, NURSE)
        clock.advance(minutes=40)  # the infusion runs, and is charted at its end
        rec("InfusionCompleted", _infusion("induction"))
        clock.advance(minutes=40)  # observed before the discharge
        rec("VitalsRecorded", {"phase": "post", "systolic": 131, "diastolic": 84, "heart_rate": 80}, NURSE)
        rec("DischargeAssessed", DISCHARGE)
    clock.advance(days=2)
    rec("AssessmentRecorded", {"instrument": "PHQ9", "total": 6, "items": [1, 1, 1, 1, 1, 1, 0, 0, 0], "context": "response_check"})
    rec("ResponseReviewed", {"decision": "maintenance"})
    rec("MaintenanceIntervalSet", {"weeks": 4})
    rec("ComplementaryCareCheckIn", {"area": "sleep", "adherence": "partial"})
    clock.advance(days=28)
    rec("VitalsRecorded", {"phase": "pre", "systolic": 124, "diastolic": 80, "heart_rate": 70, "spo2": 99}, NURSE)
    clock.advance(minutes=40)
    rec("InfusionCompleted", _infusion("maintenance"))
    rec("NoteAdded", {"text": "Wrong chart."})
    rec("EventEnteredInError", {"target_version": app.get(journey).version}, reason="Entered on the wrong chart")
    return journey


def _infusion(phase: str) -> dict[str, Any]:
    return {
        "phase": phase,
        "dose_mg_per_kg": 0.5,
        "weight_kg": 72.5,
        "duration_min": 40,
        "escort_confirmed": True,
        "side_effects": ["dissociation"],
    }


def _recorder(app: CarePlan, journey: UUID):  # type: ignore[no-untyped-def]
    def rec(event_type: str, data: dict[str, Any], actor: Actor = CLINICIAN, reason: str | None = None) -> int:
        return app.record(journey, event_type, data, actor=actor, reason=reason)

    return rec
