"""Version 2 of ketamine-trd, end to end on the aggregate: consent, eligibility at the first infusion
(refused, then given with the clinician's deviation), the new panels before induction, medication
flags and weekly maintenance; and each new setting governs when a clinic file changes it (DESIGN 7.6).
"""

from __future__ import annotations

from dataclasses import replace

from careplan.domain.protocol import LabPanel, MedicationFlag
from events.protocol_file import default_protocols
from tests.unit.journeys import Journey, default_protocol, with_settings

V2 = default_protocols(open_on="").get("ketamine-trd", 2)
V2_ONLY_PANELS = ("ecg", "pregnancy_test", "urine_drug_screen", "metabolic")


def worked_up(j: Journey, trials: int = 3, baseline: int = 20, consent: bool = True) -> Journey:
    """Consultation, medication review, clear screening, every panel resulted, consent and a baseline."""
    j.record("ConsultationCompleted", {"eligible": True, "prior_antidepressant_trials": trials, "psychotherapy_tried": True})
    j.advance(days=1)
    j.review_medications()
    j.screen()
    for panel in j.protocol.lab_panels:
        j.order(panel)
        j.result(panel)
    if consent and j.protocol.has_step("consent"):
        j.record("ConsentRecorded", {"form_version": "2026-01", "signed": True, "witness": "RN Diaz"})
    j.phq9(baseline, context="baseline")
    j.advance(days=1)
    return j


def test_version_1_is_unchanged_beside_version_2() -> None:
    v1 = default_protocols(open_on="").get("ketamine-trd", 1)
    assert v1 == default_protocol()
    assert v1.lab_panels == ("hormone", "thyroid", "diabetes") and not v1.has_step("consent")
    assert not v1.eligibility.checks and v1.medication_flags == () and v1.maintenance.min_interval_weeks == 2
    assert V2.lab_panels == (*v1.lab_panels, *V2_ONLY_PANELS)
    assert (V2.eligibility.min_prior_antidepressant_trials, V2.eligibility.min_baseline_phq9) == (2, 10)
    assert "consent" in V2.step("induction").requires and V2.maintenance.min_interval_weeks == 1
    assert {f.drug_class for f in V2.medication_flags} >= {"maoi", "psychostimulant"}


def test_a_version_2_journey_from_consent_to_weekly_maintenance() -> None:
    j = Journey(V2)
    j.record("ConsultationCompleted", {"eligible": True, "prior_antidepressant_trials": 3, "psychotherapy_tried": True})
    assert j.view().steps["consent"].status == "ready"
    j.record("ConsentRecorded", {"form_version": "2026-01", "signed": False})
    assert j.view().steps["consent"].has_flag("blocked")
    j.record("ConsentRecorded", {"form_version": "2026-01", "signed": True, "witness": "RN Diaz"})
    assert j.view().steps["consent"].status == "completed"
    j.advance(days=1)
    j.review_medications()
    j.screen()
    j.phq9(20, context="baseline")
    for panel in V2.lab_panels:
        j.order(panel)
    j.advance(days=1)
    j.vitals()
    j.refused("labs_pending", "InfusionCompleted", j.infusion_data())
    view = j.view()
    assert view.steps["induction"].status == "requested" and view.steps["lab_screening"].status == "in-progress"
    for panel in V2.lab_panels:
        j.result(panel, abnormal=panel == "ecg")
    assert any("Resting 12-lead ECG abnormal" in f.reason for f in j.view().steps["lab_screening"].flags)
    j.vitals()
    j.infuse()
    j.recover()
    j.advance(hours=48)
    j.induction(5)
    j.advance(days=1)
    j.phq9(6, context="response_check")
    j.review_response("maintenance")
    j.interval(1)  # weekly maintenance: version 2's bound
    assert j.record_of().maintenance_weeks == 1


def test_a_version_1_journey_records_no_consent_and_orders_no_ecg() -> None:
    j = Journey()
    j.consult()
    j.refused("step_not_in_protocol", "ConsentRecorded", {"form_version": "1", "signed": True})
    j.refused("unknown_panel", "ScreeningOrdered", {"panel": "ecg"})


def test_eligibility_refuses_the_first_infusion_and_a_deviation_gives_it() -> None:
    j = worked_up(Journey(V2), trials=0, baseline=3)
    assert any("Eligibility" in f.reason for f in j.view().steps["induction"].flags)
    j.vitals()
    refusal = j.refused("eligibility_not_met", "InfusionCompleted", j.infusion_data())
    assert refusal.deviable and "at least 2" in refusal.message
    j.record("InfusionCompleted", j.infusion_data(), deviation="Psychiatrist judges the TRD criteria met: 2 trials abroad")
    fact = j.last("InfusionCompleted")
    assert fact.deviation and fact.deviated == ("eligibility_not_met",)
    assert j.view().steps["induction"].has_flag("deviation")


def test_eligibility_thresholds_are_inclusive() -> None:
    j = worked_up(Journey(V2), trials=2, baseline=10)
    j.vitals()
    j.infuse()


def test_eligibility_is_checked_at_the_first_infusion_only() -> None:
    j = worked_up(Journey(V2), trials=0, baseline=20)
    j.vitals()
    j.record("InfusionCompleted", j.infusion_data(), deviation="Clinician's judgement")
    j.recover()
    j.advance(hours=48)
    j.vitals()
    j.infuse()  # no deviation needed for the second


def test_consent_missing_refuses_induction() -> None:
    j = worked_up(Journey(V2), consent=False)
    j.vitals()
    j.refused("consent_missing", "InfusionCompleted", j.infusion_data())


# -- each new setting governs (a clinic file changing it changes behaviour) --------------------------


def test_a_clinic_eligibility_threshold_governs() -> None:
    strict = with_settings(default_protocol(), eligibility={"min_baseline_phq9": 15})
    j = worked_up(Journey(strict), baseline=14)
    j.vitals()
    j.refused("eligibility_not_met", "InfusionCompleted", j.infusion_data())


def test_a_clinic_lab_panel_governs_and_one_not_required_before_induction_does_not_wait() -> None:
    panels = (*default_protocol().panels, LabPanel("lipids", "Lipid panel", required_before_induction=False))
    protocol = replace(default_protocol(), panels=panels)
    plain = Journey()
    plain.consult()
    plain.refused("unknown_panel", "ScreeningOrdered", {"panel": "lipids"})
    j2 = Journey(protocol)
    j2.consult()
    j2.order("lipids")
    assert j2.view().steps["lab_screening"].status == "in-progress"
    for panel in ("hormone", "thyroid", "diabetes"):
        j2.order(panel)
        j2.result(panel)
    assert j2.view().steps["lab_screening"].status == "completed"


def test_a_clinic_medication_flag_governs() -> None:
    protocol = replace(default_protocol(), medication_flags=(MedicationFlag("maoi", "MAOI: review before infusing."),))
    j = Journey(protocol)
    j.consult()
    meds = [{"name": "Phenelzine", "dose": "15 mg", "drug_class": "MAOI"}]
    j.record("MedicationReviewed", {"medications": meds, "benzodiazepine_diazepam_eq_mg": 0, "taper_required": False})
    flags = [f for f in j.view().steps["medication_review"].flags if f.kind == "medication"]
    assert [f.reason for f in flags] == ["Phenelzine: MAOI: review before infusing."]
    plain = Journey()
    plain.consult()
    plain.record("MedicationReviewed", {"medications": meds, "benzodiazepine_diazepam_eq_mg": 0, "taper_required": False})
    assert not plain.view().steps["medication_review"].has_flag("medication")


def test_a_clinic_min_interval_governs() -> None:
    weekly = with_settings(default_protocol(), maintenance={"min_interval_weeks": 1})
    j = Journey(weekly)
    j.into_maintenance()
    j.interval(1)


def test_a_protocol_without_complementary_care_or_labs_has_neither_step() -> None:
    steps = tuple(s for s in default_protocol().steps if s.name not in ("complementary_care", "lab_screening"))
    protocol = replace(default_protocol(), steps=steps, panels=())
    j = Journey(protocol)
    j.consult()
    assert "complementary_care" not in j.view().steps and "lab_screening" not in j.view().steps
    j.refused("step_not_in_protocol", "ComplementaryCareCheckIn", {"area": "sleep", "adherence": "full"})
