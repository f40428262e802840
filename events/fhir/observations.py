"""Observations from a journey's history: assessment totals (PHQ-9 with its items) and vital signs.

One source event gives one Observation (blood pressure) or several (heart rate, SpO2). An event later
marked ``EventEnteredInError`` keeps its Observations, with status ``entered-in-error``, as FHIR asks.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from careplan.domain.history import History
from careplan.domain.values import Fact
from events.fhir import codes, refs


def observations(journey_id: UUID, history: list[Fact], subject: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
    """The Observations of each event version that carries any."""
    errored = History(history).errored
    found: dict[int, list[dict[str, Any]]] = {}
    for fact in history:
        made = _from(journey_id, fact, subject, "entered-in-error" if fact.version in errored else "final")
        if made:
            found[fact.version] = made
    return found


def _from(journey_id: UUID, fact: Fact, subject: dict[str, Any], status: str) -> list[dict[str, Any]]:
    if fact.type == "AssessmentRecorded":
        return [_assessment(journey_id, fact, subject, status)]
    if fact.type == "VitalsRecorded":
        return _vitals(journey_id, fact, subject, status)
    return []


def _base(journey_id: UUID, fact: Fact, name: str, subject: dict[str, Any], status: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": refs.resource_id(journey_id, f"observation:{fact.version}:{name}"),
        "status": status,
        "subject": subject,
        "basedOn": [refs.reference("CarePlan", refs.resource_id(journey_id, "careplan"))],
        "effectiveDateTime": refs.instant(fact.occurred_at),
        "issued": refs.instant(fact.recorded_at),
        "performer": [refs.agent(fact.actor)],
    }


def _assessment(journey_id: UUID, fact: Fact, subject: dict[str, Any], status: str) -> dict[str, Any]:
    instrument = str(fact.data.get("instrument"))
    observation = _base(journey_id, fact, "total", subject, status)
    observation["category"] = codes.SURVEY
    observation["code"] = codes.INSTRUMENT_TOTALS.get(instrument) or codes.concept(
        codes.coding(codes.INSTRUMENT_SYSTEM, f"{instrument}-total"), text=f"{instrument} total score"
    )
    observation["valueInteger"] = int(fact.data["total"])
    items = fact.data.get("items") or []
    if instrument == "PHQ9" and len(items) == len(codes.PHQ9_ITEMS):
        observation["component"] = [
            {"code": codes.concept(codes.coding(codes.LOINC, code)), "valueInteger": int(score)}
            for code, score in zip(codes.PHQ9_ITEMS, items)
        ]
    if fact.data.get("context"):
        observation["note"] = [{"text": f"Context: {fact.data['context']}"}]
    return observation


def _vitals(journey_id: UUID, fact: Fact, subject: dict[str, Any], status: str) -> list[dict[str, Any]]:
    data = fact.data
    note = [{"text": f"Phase: {data.get('phase', 'unknown')}-infusion"}]

    def vital(name: str, code: dict[str, Any], **value: Any) -> dict[str, Any]:
        observation = _base(journey_id, fact, name, subject, status)
        observation.update(category=codes.VITAL_SIGNS, code=code, note=note, **value)
        return observation

    made = [
        vital(
            "blood-pressure",
            codes.BLOOD_PRESSURE,
            component=[
                {"code": codes.SYSTOLIC, "valueQuantity": codes.quantity(data["systolic"], "mmHg", "mm[Hg]")},
                {"code": codes.DIASTOLIC, "valueQuantity": codes.quantity(data["diastolic"], "mmHg", "mm[Hg]")},
            ],
        )
    ]
    if data.get("heart_rate") is not None:
        made.append(vital("heart-rate", codes.HEART_RATE, valueQuantity=codes.quantity(data["heart_rate"], "beats/minute", "/min")))
    if data.get("spo2") is not None:
        made.append(vital("spo2", codes.OXYGEN_SATURATION, valueQuantity=codes.quantity(data["spo2"], "%", "%")))
    return made
