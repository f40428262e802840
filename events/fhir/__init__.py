"""A journey as a FHIR R4 Bundle: CarePlan, a Task per step, Observations, the infusions as
MedicationAdministrations, safety alerts as Flags, and a Provenance per event.

Plain JSON-ready dicts, built from the journey, its derived view and its history, so the exporter
needs no FHIR library at run time; the tests validate the result with ``fhir.resources`` (R4B, which
matches R4 for these resources). The patient appears only as an identifier, never by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from careplan.domain.journey import PatientJourney
from careplan.domain.values import Fact
from careplan.domain.view import JourneyView
from careplan.patients import Patients
from events.fhir import codes, plan, refs
from events.fhir.administration import chair_resources
from events.fhir.observations import observations
from events.fhir.provenance import provenance
from events.fhir.transaction import patient_query, patient_resource, transaction_bundles
from events.read.collection import collection_paused


def journey_bundle(
    journey: PatientJourney,
    view: JourneyView,
    history: Sequence[Fact],
    *,
    title: str | None = None,
    patient_system: str = codes.PATIENT_REF_SYSTEM,
) -> dict[str, Any]:
    """The journey at its version, judged at ``view.as_of``, as a Bundle of type collection."""
    history = list(history)
    subject = refs.patient(journey.patient_ref, patient_system)
    careplan = plan.careplan(journey, view, history, subject, title)
    authored = careplan["created"]
    resources: list[dict[str, Any]] = [careplan]
    resources += [plan.task(journey.id, step, history, subject, authored) for step in view.steps.values()]
    derived = observations(journey.id, history, subject)
    for made in derived.values():
        resources += made
    resources += chair_resources(journey.id, history, subject, view.alerts)
    care_plan_ref = refs.reference("CarePlan", careplan["id"])
    for fact in history:
        targets = [care_plan_ref] + [refs.reference("Observation", o["id"]) for o in derived.get(fact.version, [])]
        resources.append(provenance(journey.id, fact, targets))
    return {
        "resourceType": "Bundle",
        "id": refs.resource_id(journey.id, f"bundle:{journey.version}"),
        "type": "collection",
        "timestamp": refs.instant(view.as_of),
        "entry": [{"fullUrl": refs.full_url(r["id"]), "resource": r} for r in resources],
    }


def export(app: Any, journey_id: Any, *, version: int | None = None, as_of: Any = None, **options: Any) -> dict[str, Any]:
    """The bundle of a stored journey (now, at a version, or as known at a moment), for the CLI and API."""
    journey, view = app.view(journey_id, version=version, as_of=as_of)
    return loaded_bundle(app, journey, view, **options)


def transaction(
    app: Any, journey_id: Any, *, version: int | None = None, as_of: Any = None, patient_system: str = codes.PATIENT_REF_SYSTEM
) -> list[dict[str, Any]]:
    """The journey as transaction Bundles a FHIR server imports (``events.fhir.transaction``): the
    Patient's conditional update first, then every resource by ``PUT`` under its stable id."""
    with collection_paused():  # ten thousand short-lived dicts and no cycles (``events.read.collection``)
        journey, view = app.view(journey_id, version=version, as_of=as_of)
        return loaded_transaction(app, journey, view, patient_system=patient_system)


def loaded_transaction(app: Any, journey: Any, view: Any, patient_system: str = codes.PATIENT_REF_SYSTEM) -> list[dict[str, Any]]:
    history = app.history(journey.id, upto=journey.version)
    title = app.protocol(journey.protocol_id, journey.protocol_version).title
    with refs.relative_references(patient_query(journey.patient_ref, patient_system)):
        collection = journey_bundle(journey, view, history, title=title, patient_system=patient_system)
    resources = [entry["resource"] for entry in collection["entry"]]
    patient = patient_resource(journey.patient_ref, patient_system, Patients(app).details(journey.id))
    return transaction_bundles(journey.id, journey.version, resources, history, patient, patient_system, journey.patient_ref)


def loaded_bundle(app: Any, journey: Any, view: Any, **options: Any) -> dict[str, Any]:
    """The bundle of a journey already loaded with its view, titled by the protocol it follows."""
    title = app.protocol(journey.protocol_id, journey.protocol_version).title
    history = app.history(journey.id, upto=journey.version)
    return journey_bundle(journey, view, history, title=title, **options)
