"""The FHIR transaction export (DESIGN 7.8, 7.9) over a demo cohort: every Bundle and every resource
validates with ``fhir.resources`` (R4B, as R4); the Patient's conditional update comes first and alone;
everything else is a PUT under a stable id; the PHQ-9 is a panel of its items and total with a
QuestionnaireResponse; every reference resolves; and Bulk Data NDJSON of the whole store."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from careplan.adapters.settings import StoreSettings
from careplan.application import CarePlan
from careplan.demo import generate
from careplan.patients import Patients
from events.fhir import codes, transaction
from events.fhir.bulk import bulk_export, patient_id
from events.fhir.transaction import MAX_ENTRIES, patient_query
from events.protocol_file import default_protocols
from tests.conftest import Clock

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CarePlan]:
    path = tmp_path_factory.mktemp("fhir") / "demo.sqlite"
    app = CarePlan(StoreSettings(url=f"sqlite:///{path}"), default_protocols(), clock=Clock(NOW))
    generate(app, 40, seed=3, now=NOW)
    yield app
    app.close()


def longest(app: CarePlan) -> Any:
    return max(app.journey_ids(), key=lambda j: app.get(j).version)


def entries(bundles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in bundles for e in b["entry"]]


def test_every_bundle_of_every_journey_validates(demo: CarePlan) -> None:
    kinds: Counter[str] = Counter()
    for journey_id in demo.journey_ids():
        bundles = transaction(demo, journey_id)
        for bundle in bundles:
            parsed = Bundle.model_validate(bundle)
            assert parsed.type == "transaction" and len(bundle["entry"]) <= MAX_ENTRIES
            for entry in bundle["entry"]:
                kinds[entry["resource"]["resourceType"]] += 1
    assert {"Patient", "CarePlan", "Task", "Observation", "QuestionnaireResponse", "MedicationAdministration",
            "Flag", "Provenance"} <= set(kinds)


def test_the_patient_goes_first_by_conditional_update_with_name_and_birth_date(demo: CarePlan) -> None:
    journey_id = longest(demo)
    journey = demo.get(journey_id)
    details = Patients(demo).details(journey_id)
    bundles = transaction(demo, journey_id)
    first = bundles[0]["entry"]
    assert len(first) == 1 and len(bundles) > 2  # a long journey needs several Bundles of fifty
    query = patient_query(journey.patient_ref, codes.PATIENT_REF_SYSTEM)
    assert first[0]["request"] == {"method": "PUT", "url": query}
    patient = first[0]["resource"]
    assert "id" not in patient
    assert patient["identifier"] == [{"system": codes.PATIENT_REF_SYSTEM, "value": journey.patient_ref}]
    assert details.name and patient["name"] == [{"text": details.name}]
    assert details.birth_date and patient["birthDate"] == details.birth_date.isoformat()
    assert set(patient) == {"resourceType", "identifier", "name", "birthDate"}  # nothing else of the patient leaves
    for entry in entries(bundles[1:]):
        resource = entry["resource"]
        assert entry["request"] == {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"}
    subjects = {json.dumps(r) for e in entries(bundles[1:]) for r in [e["resource"].get("subject") or e["resource"].get("for")] if r}
    assert subjects == {json.dumps({"reference": query, "type": "Patient", "identifier": patient["identifier"][0]})}


def test_every_reference_resolves_to_a_resource_put_in_the_bundles(demo: CarePlan) -> None:
    bundles = transaction(demo, longest(demo))
    written = {entry["request"]["url"] for entry in entries(bundles)}
    text = json.dumps(bundles)
    references = {part.split('"')[0] for part in text.split('"reference": "')[1:]}
    assert references and references <= written


def test_the_phq9_is_a_panel_of_its_items_and_total_with_a_questionnaire_response(demo: CarePlan) -> None:
    resources = [e["resource"] for e in entries(transaction(demo, longest(demo)))]
    by_id = {r.get("id"): r for r in resources}
    panels = [r for r in resources if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "44249-1"]
    assert panels
    for panel in panels:
        members = [by_id[ref["reference"].split("/")[1]] for ref in panel["hasMember"]]
        member_codes = [m["code"]["coding"][0]["code"] for m in members]
        assert member_codes == [*codes.PHQ9_ITEMS, "44261-6"]
        total = members[-1]
        assert total["valueInteger"] == sum(m["valueInteger"] for m in members[:-1]) and "component" not in total
        (source,) = panel["derivedFrom"]
        response = by_id[source["reference"].split("/")[1]]
        assert response["resourceType"] == "QuestionnaireResponse" and response["questionnaire"] == "http://loinc.org/q/44249-1"
        answers = {item["linkId"]: item["answer"][0]["valueInteger"] for item in response["item"]}
        assert answers == {m["code"]["coding"][0]["code"]: m["valueInteger"] for m in members}


def test_the_same_journey_exports_the_same_bundles(demo: CarePlan) -> None:
    journey_id = longest(demo)
    assert transaction(demo, journey_id) == transaction(demo, journey_id)


def test_bulk_data_ndjson_has_one_file_per_type_of_valid_resources(demo: CarePlan, tmp_path: Path) -> None:
    out = tmp_path / "bulk"
    counts = bulk_export(demo, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert {o["type"]: o["count"] for o in manifest["output"]} == dict(counts)
    assert counts["Patient"] == 40 and counts["CarePlan"] == len(list(demo.journey_ids()))
    ids: set[str] = set()
    for kind in counts:
        lines = (out / f"{kind}.ndjson").read_text().splitlines()
        assert len(lines) == counts[kind]
        model = get_fhir_model_class(kind)
        for line in lines:
            resource = json.loads(line)
            model.model_validate(resource)
            ids.add(f"{kind}/{resource['id']}")
    journey = demo.get(longest(demo))
    assert f"Patient/{patient_id(journey.patient_ref, codes.PATIENT_REF_SYSTEM)}" in ids
    referenced = {part.split('"')[0] for kind in counts for part in (out / f"{kind}.ndjson").read_text().split('"reference":"')[1:]}
    assert referenced <= ids
