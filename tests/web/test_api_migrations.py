"""Protocol versions and migrations through the API (DESIGN 7.6, 7.9), on SQLite and PostgreSQL:
the protocol list and documents (JSON and a FHIR PlanDefinition that validates), a dry run's report
(200), a migration (201 with ``ProtocolMigrated``), the confirmation guard, a closed journey, going
back a version, and a version 2 journey's consent, eligibility refusal and its deviation."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.plandefinition import PlanDefinition
from flask import Flask

from tests.conftest import Clock
from tests.examples import VALID_DATA
from tests.web.conftest import People
from tests.web.test_api_contract import Api, error_of

PRE = {"phase": "pre", "systolic": 120, "diastolic": 80, "heart_rate": 70}
POST = {**PRE, "phase": "post"}
REASON = "Clinic adopted protocol version 2 on 2026-03-01"
V2_PANELS = ("hormone", "thyroid", "diabetes", "ecg", "pregnancy_test", "urine_drug_screen", "metabolic")


@pytest.fixture
def api(web: Flask) -> Api:
    return Api(web.test_client(), People(web))


def migrate(api: Api, journey_id: str, **body: Any) -> Any:
    return api.post(f"/journeys/{journey_id}/migrations", {"to_version": 2, "reason": REASON, **body})


def worked_up(api: Api, clock: Clock, journey_id: str, trials: int = 3, baseline: dict[str, Any] | None = None) -> None:
    api.record(journey_id, "ConsultationCompleted", {**VALID_DATA["ConsultationCompleted"], "prior_antidepressant_trials": trials})
    clock.advance(days=1)
    api.record(journey_id, "MedicationReviewed", VALID_DATA["MedicationReviewed"])
    api.record(journey_id, "ContraindicationScreened", {"findings": []})
    api.record(journey_id, "AssessmentRecorded", baseline or VALID_DATA["AssessmentRecorded"])


def give_infusion(api: Api, clock: Clock, journey_id: str, **extra: Any) -> Any:
    api.record(journey_id, "VitalsRecorded", PRE)
    response = api.post(f"/journeys/{journey_id}/events", {"type": "InfusionCompleted", "data": VALID_DATA["InfusionCompleted"], **extra})
    if response.status_code == 201:
        clock.advance(minutes=45)
        api.record(journey_id, "VitalsRecorded", POST)
        api.record(journey_id, "DischargeAssessed", VALID_DATA["DischargeAssessed"])
    return response


def test_the_protocols_are_listed_and_each_version_answers_as_json_and_fhir(api: Api) -> None:
    listed = api.get("/protocols").get_json()
    assert [(p["id"], p["version"]) for p in listed] == [("ketamine-trd", 1), ("ketamine-trd", 2)]
    assert "consent" in listed[1]["steps"] and "consent" not in listed[0]["steps"]
    v2 = api.get("/protocols/ketamine-trd/2").get_json()
    assert [p["code"] for p in v2["lab_panels"]] == list(V2_PANELS)
    assert v2["eligibility"] == {"min_prior_antidepressant_trials": 2, "min_baseline_phq9": 10}
    assert v2["maintenance"]["min_interval_weeks"] == 1
    fhir = api.get("/protocols/ketamine-trd/2?format=fhir").get_json()
    plan = PlanDefinition.model_validate(fhir)
    assert plan.version == "2" and [a.id for a in plan.action][:2] == ["consultation", "consent"]
    assert error_of(api.get("/protocols/ketamine-trd/9"), 404)["code"] == "unknown_protocol"
    assert error_of(api.get("/protocols/ketamine-trd/1?format=xml"), 422)["code"] == "validation_failed"


def test_a_dry_run_reports_and_records_nothing_then_the_migration_is_201(api: Api, clock: Clock) -> None:
    journey_id = api.open()
    worked_up(api, clock, journey_id)
    before = api.get(f"/journeys/{journey_id}").get_json()["version"]
    response = migrate(api, journey_id, dry_run=True)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["dry_run"] is True and body["version"] == before
    report = body["report"]
    assert (report["from_version"], report["to_version"], report["needs_confirmation"]) == (1, 2, False)
    kinds = {c["kind"] for c in report["changes"]}
    assert {"step_added", "new_prerequisite"} <= kinds
    assert api.get(f"/journeys/{journey_id}").get_json()["version"] == before
    response = migrate(api, journey_id)
    assert response.status_code == 201, response.get_json()
    recorded = response.get_json()["recorded"][0]
    assert recorded["type"] == "ProtocolMigrated" and recorded["reason"] == REASON
    assert (recorded["data"]["from_version"], recorded["data"]["to_version"]) == (1, 2)
    state = api.get(f"/journeys/{journey_id}").get_json()
    assert state["protocol"]["version"] == 2 and "consent" in state["steps"]


def test_a_migration_that_completes_a_series_needs_confirm_and_the_dry_run_says_so(api: Api, clock: Clock) -> None:
    journey_id = api.open()
    worked_up(api, clock, journey_id)
    clock.advance(days=1)
    for _ in range(2):
        assert give_infusion(api, clock, journey_id).status_code == 201
        clock.advance(hours=48)
    # going back from a version with consent that has an event needs confirming too
    assert migrate(api, journey_id, confirm=True).status_code == 201
    api.record(journey_id, "ConsentRecorded", VALID_DATA["ConsentRecorded"])
    dry = migrate(api, journey_id, to_version=1, dry_run=True)
    assert dry.status_code == 200 and dry.get_json()["report"]["needs_confirmation"] is True
    refused = error_of(migrate(api, journey_id, to_version=1), 422)
    assert refused["code"] == "migration_needs_confirmation"
    assert refused["report"]["to_version"] == 1 and refused["errors"]["confirm"]
    assert migrate(api, journey_id, to_version=1, confirm=True).status_code == 201


def test_bad_input_is_422_with_field_messages_and_a_closed_journey_is_journey_closed(api: Api) -> None:
    journey_id = api.open()
    body = error_of(api.post(f"/journeys/{journey_id}/migrations", {"to_version": "two", "reason": ""}), 422)
    assert {"to_version", "reason"} <= set(body["errors"])
    assert error_of(api.post(f"/journeys/{journey_id}/migrations", {"to_version": 9, "reason": "x"}), 422)["code"] == "unknown_protocol"
    as_coordinator = api.post(f"/journeys/{journey_id}/migrations", {"to_version": 2, "reason": REASON}, role="coordinator")
    assert error_of(as_coordinator, 403)["code"] == "forbidden"
    api.record(journey_id, "JourneyClosed", {"outcome": "other"}, reason="Moved away")
    for dry_run in (True, False):
        assert error_of(migrate(api, journey_id, dry_run=dry_run), 422)["code"] == "journey_closed"


def test_a_version_2_journey_consent_labs_eligibility_and_its_deviation(api: Api, clock: Clock) -> None:
    journey_id = api.open(protocol_version=2)
    low = {**VALID_DATA["AssessmentRecorded"], "total": 3, "items": [1, 1, 1, 0, 0, 0, 0, 0, 0]}
    worked_up(api, clock, journey_id, trials=0, baseline=low)
    clock.advance(days=1)
    assert error_of(give_infusion(api, clock, journey_id), 422)["code"] == "consent_missing"
    api.record(journey_id, "ConsentRecorded", VALID_DATA["ConsentRecorded"])
    assert error_of(give_infusion(api, clock, journey_id), 422)["code"] == "labs_pending"
    for panel in V2_PANELS:
        api.record(journey_id, "ScreeningOrdered", {"panel": panel})
        api.record(journey_id, "ScreeningResulted", {"panel": panel, "abnormal": False, "values": {}})
    assert error_of(give_infusion(api, clock, journey_id), 422)["code"] == "eligibility_not_met"
    given = give_infusion(api, clock, journey_id, deviation="Two trials abroad, records pending: psychiatrist's judgement")
    assert given.status_code == 201, given.get_json()
    assert given.get_json()["recorded"][0]["deviated"] == ["eligibility_not_met"]
    assert error_of(api.post(f"/journeys/{journey_id}/events", {"type": "ScreeningOrdered", "data": {"panel": "lipids"}}), 422)["code"] == "unknown_panel"
