"""A PHQ-9 as US Core reads one: a panel (LOINC 44249-1) whose members are the nine item Observations
and the total (44261-6), each derived from a QuestionnaireResponse that holds the answers.

The collection Bundle keeps the PHQ-9 as one Observation (the total, the items as components); the
transaction Bundle that a server imports gives the panel form, so a receiving EHR files the score
where its PHQ-9 flowsheet looks for it. Ids are derived from the journey and the event's version, as
every other resource's (``events.fhir.refs``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from careplan.domain.values import Fact
from events.fhir import codes, refs

PANEL = codes.concept(codes.coding(codes.LOINC, "44249-1", "PHQ-9 quick depression assessment panel [Reported.PHQ]"), text="PHQ-9")
QUESTIONNAIRE = "http://loinc.org/q/44249-1"
TOTAL_CODE = "44261-6"


def is_panel_source(fact: Fact) -> bool:
    """A PHQ-9 with its nine items: the panel needs the items."""
    items = fact.data.get("items") or []
    return fact.type == "AssessmentRecorded" and fact.data.get("instrument") == "PHQ9" and len(items) == len(codes.PHQ9_ITEMS)


def response_id(journey_id: UUID, version: int) -> str:
    return refs.resource_id(journey_id, f"questionnaire-response:{version}")


def panel_resources(journey_id: UUID, fact: Fact, total: dict[str, Any]) -> list[dict[str, Any]]:
    """The QuestionnaireResponse, the item Observations and the panel for the PHQ-9 ``fact``; ``total``
    (its total Observation, from ``events.fhir.observations``) loses its components and joins the panel."""
    status = total["status"]
    answers = fact.data["items"]
    response = {
        "resourceType": "QuestionnaireResponse",
        "id": response_id(journey_id, fact.version),
        "questionnaire": QUESTIONNAIRE,
        "status": "entered-in-error" if status == "entered-in-error" else "completed",
        "subject": total["subject"],
        "basedOn": total["basedOn"],
        "authored": refs.instant(fact.occurred_at),
        "author": total["performer"][0],
        "item": [{"linkId": code, "answer": [{"valueInteger": int(score)}]} for code, score in zip(codes.PHQ9_ITEMS, answers)]
        + [{"linkId": TOTAL_CODE, "answer": [{"valueInteger": int(fact.data["total"])}]}],
    }
    derived = [refs.reference("QuestionnaireResponse", response["id"])]
    total.pop("component", None)
    total["derivedFrom"] = derived
    members = []
    for n, (code, score) in enumerate(zip(codes.PHQ9_ITEMS, answers), start=1):
        item = {key: value for key, value in total.items() if key not in ("valueInteger", "note")}
        item.update(
            id=refs.resource_id(journey_id, f"observation:{fact.version}:item:{n}"),
            code=codes.concept(codes.coding(codes.LOINC, code)),
            valueInteger=int(score),
        )
        members.append(item)
    panel = {key: value for key, value in total.items() if key not in ("valueInteger",)}
    panel.update(
        id=refs.resource_id(journey_id, f"observation:{fact.version}:panel"),
        code=PANEL,
        hasMember=[refs.reference("Observation", m["id"]) for m in (*members, total)],
    )
    return [response, *members, panel]
