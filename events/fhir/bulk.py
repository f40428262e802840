"""``careplan export --fhir --all``: every journey as FHIR Bulk Data NDJSON, one file per resource type.

The Bulk Data Access format (hl7.org/fhir/uv/bulkdata): ``Patient.ndjson``, ``CarePlan.ndjson``, ...,
one resource per line, and a ``manifest.json`` like the export's status answer (transaction time, each
file's type and count). Resources are those of the transaction export (the PHQ-9 as its panel), with
references relative; the Patient has an id derived from its identifier (one Patient for all of a
patient's courses) and every resource refers to it as ``Patient/ID``.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import IO, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from careplan.patients import Patients
from events.fhir import codes, journey_bundle, refs
from events.fhir.transaction import patient_resource, with_panels
from events.read.collection import collection_paused


def patient_id(patient_ref: str, system: str) -> str:
    return str(uuid5(NAMESPACE_URL, f"{system}|{patient_ref}"))


def bulk_export(app: Any, directory: Path, patient_system: str = codes.PATIENT_REF_SYSTEM) -> Counter[str]:
    """Writes the files into ``directory`` (made whole in a sibling and renamed, so a failed export
    leaves no half directory); returns how many resources of each type."""
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    files: dict[str, IO[str]] = {}
    counts: Counter[str] = Counter()
    seen: set[str] = set()
    patients = Patients(app)
    try:
        for journey_id in app.journey_ids():
            with collection_paused():
                made = _resources(app, patients, journey_id, patient_system, seen)
            for resource in made:
                kind = resource["resourceType"]
                out = files.get(kind)
                if out is None:
                    out = files[kind] = (partial / f"{kind}.ndjson").open("w", encoding="utf-8")
                out.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")
                counts[kind] += 1
    finally:
        for out in files.values():
            out.close()
    manifest = {
        "transactionTime": app.clock().isoformat(),
        "requiresAccessToken": False,
        "output": [{"type": kind, "url": f"{kind}.ndjson", "count": counts[kind]} for kind in sorted(counts)],
        "error": [],
    }
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    if directory.exists():
        shutil.rmtree(directory)
    partial.rename(directory)
    return counts


def _resources(app: Any, patients: Patients, journey_id: UUID, system: str, seen: set[str]) -> list[dict[str, Any]]:
    journey, view = app.view(journey_id)
    history = app.history(journey.id, upto=journey.version)
    title = app.protocol(journey.protocol_id, journey.protocol_version).title
    pid = patient_id(journey.patient_ref, system)
    with refs.relative_references(f"Patient/{pid}"):
        collection = journey_bundle(journey, view, history, title=title, patient_system=system)
        resources = with_panels(journey.id, [e["resource"] for e in collection["entry"]], history)
    found = []
    if pid not in seen:
        seen.add(pid)
        found.append({"id": pid, **patient_resource(journey.patient_ref, system, patients.details(journey.id))})
    found += resources
    return found
