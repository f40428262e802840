"""A protocol version as a FHIR R4 PlanDefinition (``GET /api/v1/protocols/{id}/{version}?format=fhir``).

One action per step, ordered as the protocol lists them, each with the steps it waits for as
``relatedAction`` (``after-end``) and its due rule as an offset; the lab step's panels are its own
actions. The clinical numbers stay in the protocol's JSON, which the PlanDefinition names as its
``url``: a FHIR reader gets the plan's shape, careplan's readers the settings.
"""

from __future__ import annotations

from typing import Any

from careplan.domain.protocol import Protocol
from events.fhir import codes

PLAN_TYPE = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
            "code": "clinical-protocol",
            "display": "Clinical Protocol",
        }
    ]
}


def plan_definition(protocol: Protocol) -> dict[str, Any]:
    return {
        "resourceType": "PlanDefinition",
        "id": f"{protocol.id}-v{protocol.version}",
        "url": f"{codes.PLAN_DEFINITION}/{protocol.id}",
        "version": str(protocol.version),
        "name": protocol.id.replace("-", "_"),
        "title": protocol.title,
        "type": PLAN_TYPE,
        "status": "active",
        "action": [_action(protocol, step.name) for step in protocol.steps],
    }


def _action(protocol: Protocol, name: str) -> dict[str, Any]:
    step = protocol.step(name)
    action: dict[str, Any] = {"id": fhir_id(name), "title": step.title, "code": [{"text": name}]}
    if step.requires:
        action["relatedAction"] = [{"actionId": fhir_id(r), "relationship": "after-end"} for r in step.requires]
    if step.due is not None:
        action["description"] = f"Due within {step.due.within_days} days of {step.due.from_.replace('_', ' ')}."
    if name == "lab_screening":
        action["action"] = [
            {
                "id": fhir_id(f"panel-{panel.code}"),
                "title": panel.title,
                "code": [{"text": panel.code}],
                "description": "Result needed before induction." if panel.required_before_induction else "Result not needed before induction.",
            }
            for panel in protocol.panels
        ]
    if name == "induction":
        i = protocol.induction
        action["description"] = (
            f"{i.infusions} infusions at least {i.min_spacing_hours} h apart within {i.window_days} days; "
            f"dose {protocol.dose.mg_per_kg_min}-{protocol.dose.mg_per_kg_max} mg/kg over at least "
            f"{protocol.dose.duration_min_at_least} min."
        )
    return action


def fhir_id(code: str) -> str:
    """A FHIR id (letters, digits, '-' and '.'): the step's or panel's code with '-' for '_'."""
    return code.replace("_", "-")
