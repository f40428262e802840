"""The infusion chair in FHIR: each infusion a ``MedicationAdministration``, each safety alert a ``Flag``.

A completed infusion exports with status ``completed``, its dose (the total milligrams, dose per
kilogram times weight) and its rate (mg/kg over the minutes it took); one stopped early exports with
status ``stopped``, the cause as ``statusReason`` and the minutes given in a note. A safety alert is a
``Flag``, ``active`` while the engine holds it open (unacknowledged, or acknowledged with a ``high``
risk assessment, which keeps infusions refused) and ``inactive`` after, so a receiving system sees both
the stop and the alert as the clinic does. Events marked entered in error export with that status, as
FHIR asks, and an acknowledgement marked in error does not close its alert.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from careplan.domain.families.chair import total_mg
from careplan.domain.families.infusion import InfusionStopped
from careplan.domain.history import History
from careplan.domain.values import Fact
from careplan.domain.view import AlertView
from events.fhir import codes, refs

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
KETAMINE = codes.concept(codes.coding(RXNORM, "6130", "ketamine"), text="Ketamine (IV)")
INTRAVENOUS = codes.concept(codes.coding("http://snomed.info/sct", "47625008", "Intravenous route"))
ALERT_KIND_SYSTEM = "urn:careplan:alert-kind"
STOP_CAUSE_SYSTEM = "urn:careplan:stop-cause"
SAFETY = [codes.concept(codes.coding("http://terminology.hl7.org/CodeSystem/flag-category", "safety", "Safety"))]


def chair_resources(
    journey_id: UUID, history: list[Fact], subject: dict[str, Any], alerts: list[AlertView]
) -> list[dict[str, Any]]:
    """The administrations and flags of a journey's history, in the order they were recorded;
    ``alerts`` are the journey's view of its alerts (which are open), judged as the rules judge them."""
    errored = History(history).errored
    acknowledged: dict[int, Fact] = {}  # each alert's latest acknowledgement still standing
    for f in history:
        if f.type == "SafetyAlertAcknowledged" and f.version not in errored:
            acknowledged[int(f.data["alert_version"])] = f
    still_open = {a.version for a in alerts if not a.acknowledged or a.risk == "high"}
    found = []
    for fact in history:
        if fact.payload.about.administration:
            found.append(administration(journey_id, fact, subject, fact.version in errored))
        elif fact.type == "SafetyAlertRaised":
            closing = None if fact.version in still_open else acknowledged.get(fact.version)
            found.append(flag(journey_id, fact, subject, closing, errored))
    return found


def administration(journey_id: UUID, fact: Fact, subject: dict[str, Any], errored: bool) -> dict[str, Any]:
    """A MedicationAdministration from an administration's typed payload (completed or stopped early)."""
    p = fact.payload
    stopped = isinstance(p, InfusionStopped)
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": refs.resource_id(journey_id, f"administration:{fact.version}"),
        "status": "entered-in-error" if errored else "stopped" if stopped else "completed",
        "category": codes.concept(codes.coding(codes.STEP_SYSTEM, str(p.phase), str(p.phase))),
        "medicationCodeableConcept": KETAMINE,
        "subject": subject,
        "effectiveDateTime": refs.instant(fact.occurred_at),
        "performer": [{"actor": refs.agent(fact.actor)}],
    }
    if isinstance(p, InfusionStopped):
        cause = str(p.cause)
        resource["statusReason"] = [codes.concept(codes.coding(STOP_CAUSE_SYSTEM, cause), text=cause.replace("_", " "))]
        resource["note"] = [
            {"text": f"Stopped after {p.minutes_given} min." + (f" {fact.reason}" if fact.reason else "")}
        ]
        resource["dosage"] = {"route": INTRAVENOUS}
        return resource
    dose, weight, minutes = float(p.dose_mg_per_kg), float(p.weight_kg), int(p.duration_min)
    resource["dosage"] = {
        "text": f"{dose:g} mg/kg × {weight:g} kg = {total_mg(dose, weight):g} mg over {minutes} min",
        "route": INTRAVENOUS,
        "dose": codes.quantity(total_mg(dose, weight), "mg", "mg"),
        "rateRatio": {
            "numerator": codes.quantity(dose, "mg/kg", "mg/kg"),
            "denominator": codes.quantity(minutes, "min", "min"),
        },
    }
    return resource


def flag(
    journey_id: UUID, fact: Fact, subject: dict[str, Any], acknowledgement: Fact | None, errored: Collection[int]
) -> dict[str, Any]:
    """``acknowledgement`` is the one that closed the alert, None while it is open."""
    d = fact.data
    kind = str(d.get("kind"))
    if fact.version in errored:
        status = "entered-in-error"
    else:  # an alert whose source was entered in error stays open until acknowledged (DESIGN 7.1)
        status = "inactive" if acknowledgement is not None else "active"
    period = {"start": refs.instant(fact.occurred_at)}
    if acknowledgement is not None:
        period["end"] = refs.instant(acknowledgement.occurred_at)
    return {
        "resourceType": "Flag",
        "id": refs.resource_id(journey_id, f"flag:{fact.version}"),
        "status": status,
        "category": SAFETY,
        "code": codes.concept(
            codes.coding(ALERT_KIND_SYSTEM, kind, f"{kind.replace('_', ' ')} alert"), text=str(d.get("reason"))
        ),
        "subject": subject,
        "period": period,
    }
