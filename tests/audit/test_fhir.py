"""A journey exported as a FHIR R4 Bundle validates, and says what the journey says.

Validation is by ``fhir.resources`` (its R4B models, the same as R4 for these resources). That
library checks structure and types but not code values, so the status codes are checked here against
R4's value sets.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from uuid import UUID

import pytest
from fhir.resources.R4B.bundle import Bundle

from careplan.application import CarePlan
from events.fhir import export
from tests.audit.histories import CLINICIAN, PATIENT_REF, full_journey, short_history

TASK_STATUSES = {
    "draft", "requested", "received", "accepted", "rejected", "ready", "cancelled",
    "in-progress", "on-hold", "failed", "completed", "entered-in-error",
}  # fmt: skip
CAREPLAN_STATUSES = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
OBSERVATION_STATUSES = {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"}


@pytest.fixture
def full(make_app: Any, sqlite_url: str, clock: Any) -> tuple[CarePlan, UUID, dict[str, Any]]:
    app = make_app(sqlite_url, clock)
    journey = full_journey(app, clock)
    return app, journey, export(app, journey)


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def codes_of(resource: dict[str, Any]) -> set[str]:
    return {coding["code"] for coding in resource["code"]["coding"]}


def test_the_bundle_of_a_whole_journey_validates_as_fhir(full: tuple[CarePlan, UUID, dict[str, Any]]) -> None:
    app, journey, bundle = full
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    kinds = Counter(entry.resource.__resource_type__ for entry in parsed.entry)
    assert kinds["CarePlan"] == 1
    assert kinds["Task"] == 9
    assert kinds["Provenance"] == len(app.history(journey))


def test_every_reference_points_inside_the_bundle(full: tuple[CarePlan, UUID, dict[str, Any]]) -> None:
    _, _, bundle = full
    urls = {entry["fullUrl"] for entry in bundle["entry"]}
    text = json.dumps(bundle)
    references = {part.split('"')[0] for part in text.split('"reference": "')[1:]}
    assert references and references <= urls


def test_the_care_plan_names_the_patient_by_identifier_only(full: tuple[CarePlan, UUID, dict[str, Any]]) -> None:
    _, journey, bundle = full
    (plan,) = resources(bundle, "CarePlan")
    assert plan["subject"] == {"type": "Patient", "identifier": {"system": "urn:careplan:patient-ref", "value": PATIENT_REF}}
    assert (plan["status"], plan["intent"]) == ("active", "plan")
    assert plan["id"] == str(journey)
    assert plan["instantiatesCanonical"] == ["urn:careplan:PlanDefinition/ketamine-trd|1"]
    subjects = [r.get("subject") or r.get("for") for e in bundle["entry"] for r in [e["resource"]] if "subject" in r or "for" in r]
    assert json.dumps(bundle).count(PATIENT_REF) == len(subjects)


def test_each_step_is_a_task_with_the_views_status_as_a_fhir_task_code(full: tuple[CarePlan, UUID, dict[str, Any]]) -> None:
    app, journey, bundle = full
    _, view = app.view(journey)
    tasks = {next(iter(codes_of(t))): t for t in resources(bundle, "Task")}
    assert set(tasks) == set(view.steps)
    for name, step in view.steps.items():
        task = tasks[name]
        assert task["status"] == step.status and task["status"] in TASK_STATUSES
        assert task["basedOn"][0]["reference"] == f"urn:uuid:{journey}"
        due = task.get("restriction", {}).get("period", {}).get("end")
        assert due == (step.due_at.isoformat() if step.due_at else None)
    assert tasks["induction"]["executionPeriod"]["start"] < tasks["induction"]["executionPeriod"]["end"]


def test_phq9_totals_are_loinc_44261_6_with_their_items(full: tuple[CarePlan, UUID, dict[str, Any]]) -> None:
    app, journey, bundle = full
    phq9 = [o for o in resources(bundle, "Observation") if "44261-6" in codes_of(o)]
    recorded = [f for f in app.history(journey) if f.type == "AssessmentRecorded" and f.data["instrument"] == "PHQ9"]
    assert [o["valueInteger"] for o in phq9] == [18, 6]
    assert [o["effectiveDateTime"] for o in phq9] == [f.occurred_at.isoformat() for f in recorded]
    item9 = phq9[0]["component"][8]
    assert item9["code"]["coding"][0]["code"] == "44260-8" and item9["valueInteger"] == 0
    assert all(o["status"] == "final" and o["category"][0]["coding"][0]["code"] == "survey" for o in phq9)


def test_gad7_is_loinc_70274_6_and_madrs_is_coded_by_careplan(full: tuple[CarePlan, UUID, dict[str, Any]]) -> None:
    _, _, bundle = full
    observations = resources(bundle, "Observation")
    assert [o["valueInteger"] for o in observations if "70274-6" in codes_of(o)] == [12]
    (madrs,) = [o for o in observations if "MADRS-total" in codes_of(o)]
    assert madrs["code"]["coding"][0]["system"] == "urn:careplan:instrument" and madrs["valueInteger"] == 31


def test_vital_signs_are_loinc_coded_with_ucum_units(full: tuple[CarePlan, UUID, dict[str, Any]]) -> None:
    app, journey, bundle = full
    vitals = [o for o in resources(bundle, "Observation") if o["category"][0]["coding"][0]["code"] == "vital-signs"]
    recorded = [f for f in app.history(journey) if f.type == "VitalsRecorded"]
    panels = [o for o in vitals if "85354-9" in codes_of(o)]
    assert len(panels) == len(recorded) == 13
    systolic, diastolic = panels[0]["component"]
    assert systolic["code"]["coding"][0]["code"] == "8480-6" and systolic["valueQuantity"]["value"] == 126
    assert diastolic["code"]["coding"][0]["code"] == "8462-4" and diastolic["valueQuantity"]["code"] == "mm[Hg]"
    assert sum("8867-4" in codes_of(o) for o in vitals) == 13
    spo2 = [o for o in vitals if "59408-5" in codes_of(o)]
    assert [o["valueQuantity"]["value"] for o in spo2] == [98] * 6 + [99]
    assert {o["status"] for o in vitals} <= OBSERVATION_STATUSES


def test_each_event_has_a_provenance_with_who_when_and_why(full: tuple[CarePlan, UUID, dict[str, Any]]) -> None:
    app, journey, bundle = full
    history = app.history(journey)
    provenances = resources(bundle, "Provenance")
    for fact, prov in zip(history, provenances):
        assert prov["activity"]["coding"][0]["code"] == fact.type
        assert prov["recorded"] == fact.recorded_at.isoformat()
        assert prov["occurredDateTime"] == fact.occurred_at.isoformat()
        (agent,) = prov["agent"]
        assert agent["who"]["identifier"]["value"] == fact.actor.id
        assert agent["role"][0]["coding"][0]["code"] == fact.actor.role
        assert {"url": "urn:careplan:fhir:extension:chain-hash", "valueString": fact.hash} in prov["extension"]
        assert prov["target"][0]["reference"] == f"urn:uuid:{journey}"
    assert provenances[-1]["reason"] == [{"text": "Entered on the wrong chart"}]
    vitals_version = next(f.version for f in history if f.type == "VitalsRecorded")
    assert len(provenances[vitals_version - 1]["target"]) == 1 + 3


def test_an_assessment_entered_in_error_exports_with_that_status(make_app: Any, sqlite_url: str, clock: Any) -> None:
    app = make_app(sqlite_url, clock)
    journey = short_history(app, clock)
    app.record(journey, "EventEnteredInError", {"target_version": 5}, actor=CLINICIAN, reason="Wrong patient's form")
    bundle = export(app, journey)
    Bundle.model_validate(bundle)
    (phq9,) = [o for o in resources(bundle, "Observation") if "44261-6" in codes_of(o)]
    assert phq9["status"] == "entered-in-error"


@pytest.mark.parametrize(
    ("event_type", "data", "status"),
    [
        ("JourneyPaused", {}, "on-hold"),
        ("JourneyClosed", {"outcome": "completed"}, "completed"),
        ("JourneyClosed", {"outcome": "discontinued"}, "revoked"),
        ("JourneyClosed", {"outcome": "transferred"}, "revoked"),
    ],
)
def test_the_care_plan_status_follows_the_journey(
    make_app: Any, sqlite_url: str, clock: Any, event_type: str, data: dict[str, Any], status: str
) -> None:
    app = make_app(sqlite_url, clock)
    journey = short_history(app, clock)
    app.record(journey, event_type, data, actor=CLINICIAN, reason="Plan changed")
    bundle = export(app, journey)
    Bundle.model_validate(bundle)
    (plan,) = resources(bundle, "CarePlan")
    assert plan["status"] == status and status in CAREPLAN_STATUSES
    assert {t["status"] for t in resources(bundle, "Task")} <= TASK_STATUSES


def test_a_past_version_exports_only_what_was_recorded_by_then(full: tuple[CarePlan, UUID, dict[str, Any]]) -> None:
    app, journey, _ = full
    bundle = export(app, journey, version=4)
    Bundle.model_validate(bundle)
    assert len(resources(bundle, "Provenance")) == 4
    assert not resources(bundle, "Observation")
    assert export(app, journey, version=4) == bundle, "the same journey exports the same ids"


def test_every_journey_of_the_demo_cohort_exports_a_valid_bundle_and_verifies(make_app: Any, sqlite_url: str, clock: Any) -> None:
    from careplan.audit.verify import verify_store
    from careplan.demo import generate

    app = make_app(sqlite_url, clock)
    report = generate(app, patients=12, seed=7, now=clock.now)
    journeys = list(app.journey_ids())
    assert report.patients == 12 and len(journeys) == report.journeys >= 12  # a second course is a journey more
    longest = max(journeys, key=lambda j: app.get(j).version)
    for journey in journeys:
        bundle = export(app, journey)
        Bundle.model_validate(bundle)
        assert {t["status"] for t in resources(bundle, "Task")} <= TASK_STATUSES
        assert {o["status"] for o in resources(bundle, "Observation")} <= OBSERVATION_STATUSES
        assert resources(bundle, "CarePlan")[0]["status"] in CAREPLAN_STATUSES
    assert len(resources(export(app, longest), "Provenance")) == app.get(longest).version > 20
    assert verify_store(app).ok


def test_infusions_export_as_medication_administrations_with_dose_and_rate(
    full: tuple[CarePlan, UUID, dict[str, Any]],
) -> None:
    _, _, bundle = full
    given = resources(bundle, "MedicationAdministration")
    assert len(given) == 7  # six induction infusions and one maintenance
    first = given[0]
    assert first["status"] == "completed"
    assert first["dosage"]["dose"] == {"value": 36.2, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
    assert first["dosage"]["rateRatio"]["numerator"]["value"] == 0.5
    assert first["dosage"]["rateRatio"]["denominator"]["value"] == 40


def test_a_stopped_infusion_and_its_vitals_alert_export_as_stopped_and_as_a_flag(
    make_app: Any, sqlite_url: str, clock: Any
) -> None:
    app = make_app(sqlite_url, clock)
    journey = short_history(app, clock)
    clock.advance(days=1)
    vitals = {"phase": "pre", "systolic": 126, "diastolic": 81, "heart_rate": 74, "spo2": 98}
    app.record(journey, "VitalsRecorded", vitals, actor=CLINICIAN)
    clock.advance(minutes=20)
    app.record(journey, "VitalsRecorded", {**vitals, "phase": "during", "systolic": 196, "diastolic": 118}, actor=CLINICIAN)
    app.record(
        journey, "InfusionStopped", {"phase": "induction", "minutes_given": 20, "cause": "hypertension"},
        actor=CLINICIAN, reason="BP 196/118",
    )
    bundle = export(app, journey)
    Bundle.model_validate(bundle)
    [stopped] = resources(bundle, "MedicationAdministration")
    assert stopped["status"] == "stopped"
    assert stopped["statusReason"][0]["coding"][0]["code"] == "hypertension"
    [alert] = resources(bundle, "Flag")
    assert alert["status"] == "active"
    assert "196/118" in alert["code"]["text"]


def test_a_flag_closes_only_as_the_engine_closes_its_alert(make_app: Any, sqlite_url: str, clock: Any) -> None:
    """An acknowledgement assessed ``high`` keeps the alert open (infusions stay refused), and one
    marked entered in error closes nothing: the Flag says what the clinic's worklist says."""
    app = make_app(sqlite_url, clock)
    journey = short_history(app, clock)
    clock.advance(days=1)
    vitals = {"phase": "pre", "systolic": 126, "diastolic": 81, "heart_rate": 74, "spo2": 98}
    app.record(journey, "VitalsRecorded", vitals, actor=CLINICIAN)
    app.record(journey, "VitalsRecorded", {**vitals, "phase": "during", "systolic": 196, "diastolic": 118}, actor=CLINICIAN)
    [alert] = [f.version for f in app.history(journey) if f.type == "SafetyAlertRaised"]

    def flag_now() -> dict[str, Any]:
        [found] = resources(export(app, journey), "Flag")
        return found

    ack = {"alert_version": alert, "plan": "Repeat BP in 15 min; call the anaesthetist."}
    app.record(journey, "SafetyAlertAcknowledged", {**ack, "risk_assessment": "high"}, actor=CLINICIAN, reason="Seen")
    assert flag_now()["status"] == "active" and "end" not in flag_now()["period"]
    clock.advance(minutes=30)
    settled = app.record(journey, "SafetyAlertAcknowledged", {**ack, "risk_assessment": "low"}, actor=CLINICIAN, reason="BP settled")
    assert flag_now()["status"] == "inactive" and "end" in flag_now()["period"]
    app.record(journey, "EventEnteredInError", {"target_version": settled}, actor=CLINICIAN, reason="Wrong alert")
    assert flag_now()["status"] == "active"
    Bundle.model_validate(export(app, journey))
