"""A journey as FHIR transaction Bundles that a server imports, and imports again to no effect.

- The Patient goes first, alone in its Bundle, by conditional update on its identifier
  (``PUT Patient?identifier=SYSTEM|VALUE``) with the name and birth date when they are recorded:
  Medplum refuses a transaction holding a conditional write and more than 8 entries.
- Every other resource is a ``PUT`` under its stable id (``events.fhir.refs``): importing the same
  journey twice changes no resource count. References are relative (``Task/ID``, made so by
  ``refs.relative_references``) so they hold across Bundles, and the Patient is referred to as
  ``Patient?identifier=SYSTEM|VALUE``, which the server resolves to the Patient the first Bundle wrote.
- The PHQ-9 is the panel form (``events.fhir.phq9``).
- Bundles hold at most ``MAX_ENTRIES`` entries (Medplum refuses more than 50 updates in one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote
from uuid import UUID

from careplan.domain.patient import PatientDetails
from careplan.domain.values import Fact
from events.fhir import codes, phq9, refs

MAX_ENTRIES = 50


def patient_query(patient_ref: str, system: str) -> str:
    """The identifier search that names the patient: ``Patient?identifier=SYSTEM|VALUE``, escaped."""
    return f"Patient?identifier={quote(system, safe=':/')}|{quote(patient_ref, safe='')}"


def patient_resource(patient_ref: str, system: str, details: PatientDetails) -> dict[str, Any]:
    """The Patient: the identifier, and the name and birth date when recorded (nothing else is sent)."""
    found: dict[str, Any] = {"resourceType": "Patient", "identifier": [{"system": system, "value": patient_ref}]}
    if details.name:
        found["name"] = [{"text": details.name}]
    if details.birth_date is not None:
        found["birthDate"] = details.birth_date.isoformat()
    return found


def with_panels(journey_id: UUID, resources: list[dict[str, Any]], history: Sequence[Fact]) -> list[dict[str, Any]]:
    """The collection's resources with each PHQ-9 in its panel form, its Provenance targeting the
    panel, the items and the QuestionnaireResponse too."""
    by_id = {r["id"]: r for r in resources}
    extra: dict[str, list[dict[str, Any]]] = {}
    targets: dict[int, list[dict[str, Any]]] = {}
    for fact in history:
        total = by_id.get(refs.resource_id(journey_id, f"observation:{fact.version}:total"))
        if total is None or not phq9.is_panel_source(fact):
            continue
        made = phq9.panel_resources(journey_id, fact, total)
        extra[total["id"]] = made
        targets[fact.version] = [refs.reference(r["resourceType"], r["id"]) for r in made]
    out: list[dict[str, Any]] = []
    for r in resources:
        if r["resourceType"] == "Provenance":
            version = next(e["valueInteger"] for e in r["extension"] if e["url"] == codes.EVENT_VERSION_EXTENSION)
            r["target"] = r["target"] + targets.get(version, [])
        out.append(r)
        out += extra.get(r["id"], [])
    return out


def transaction_bundles(
    journey_id: UUID,
    version: int,
    resources: list[dict[str, Any]],
    history: Sequence[Fact],
    patient: dict[str, Any],
    system: str,
    patient_ref: str,
) -> list[dict[str, Any]]:
    """The Bundles in import order: the Patient's conditional update, then the rest in fifties.
    ``resources`` were made inside ``refs.relative_references(patient_query(...))``."""
    subject = patient_query(patient_ref, system)
    with refs.relative_references(subject):
        made = with_panels(journey_id, resources, history)
    entries = [{"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}} for r in made]
    first = {"resource": patient, "request": {"method": "PUT", "url": subject}}
    chunks = [[first]] + [entries[i : i + MAX_ENTRIES] for i in range(0, len(entries), MAX_ENTRIES)]
    return [
        {
            "resourceType": "Bundle",
            "id": refs.resource_id(journey_id, f"transaction:{version}:{n}"),
            "type": "transaction",
            "entry": chunk,
        }
        for n, chunk in enumerate(chunks, start=1)
    ]
