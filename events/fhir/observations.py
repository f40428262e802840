"""Observations from a journey's history: assessment totals (PHQ-9 with its items) and vital signs.

One source event gives one Observation (blood pressure) or several (heart rate, SpO2). An event later
marked ``EventEnteredInError`` keeps its Observations, with status ``entered-in-error``, as FHIR asks.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any
from uuid import UUID

from careplan.domain.families.assessment import AssessmentRecorded
from careplan.domain.families.infusion import VitalsRecorded
from careplan.domain.history import History
from careplan.domain.payload import Payload
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
    return _observed(fact.payload, journey_id, fact, subject, status)


@singledispatch
def _observed(payload: Payload, journey_id: UUID, fact: Fact, subject: dict[str, Any], status: str) -> list[dict[str, Any]]:
    """The Observations an event carries, dispatched on its payload's class: none, for most."""
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


@_observed.register
def _assessment(p: AssessmentRecorded, journey_id: UUID, fact: Fact, subject: dict[str, Any], status: str) -> list[dict[str, Any]]:
    instrument = str(p.instrument)
    observation = _base(journey_id, fact, "total", subject, status)
    observation["category"] = codes.SURVEY
    observation["code"] = codes.INSTRUMENT_TOTALS.get(instrument) or codes.concept(
        codes.coding(codes.INSTRUMENT_SYSTEM, f"{instrument}-total"), text=f"{instrument} total score"
    )
    observation["valueInteger"] = int(p.total)
    items = p.items or ()
    if instrument == "PHQ9" and len(items) == len(codes.PHQ9_ITEMS):
        observation["component"] = [
            {"code": codes.concept(codes.coding(codes.LOINC, code)), "valueInteger": int(score)}
            for code, score in zip(codes.PHQ9_ITEMS, items)
        ]
    if p.context:
        observation["note"] = [{"text": f"Context: {p.context}"}]
    return [observation]


@_observed.register
def _vitals(p: VitalsRecorded, journey_id: UUID, fact: Fact, subject: dict[str, Any], status: str) -> list[dict[str, Any]]:
    note = [{"text": f"Phase: {p.phase or 'unknown'}-infusion"}]

    def vital(name: str, code: dict[str, Any], **value: Any) -> dict[str, Any]:
        observation = _base(journey_id, fact, name, subject, status)
        observation.update(category=codes.VITAL_SIGNS, code=code, note=note, **value)
        return observation

    made = [
        vital(
            "blood-pressure",
            codes.BLOOD_PRESSURE,
            component=[
                {"code": codes.SYSTOLIC, "valueQuantity": codes.quantity(p.systolic, "mmHg", "mm[Hg]")},
                {"code": codes.DIASTOLIC, "valueQuantity": codes.quantity(p.diastolic, "mmHg", "mm[Hg]")},
            ],
        )
    ]
    if p.heart_rate is not None:
        made.append(vital("heart-rate", codes.HEART_RATE, valueQuantity=codes.quantity(p.heart_rate, "beats/minute", "/min")))
    if p.spo2 is not None:
        made.append(vital("spo2", codes.OXYGEN_SATURATION, valueQuantity=codes.quantity(p.spo2, "%", "%")))
    return made
