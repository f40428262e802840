"""One Provenance per event: who (user and role, or the scheduler), when (clinical and recorded), why.

The event's type is the activity; its place in the journey and its link in the hash chain travel as
extensions, so a receiver can match each Provenance to the event that ``careplan verify`` proved.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from careplan.domain.values import Fact
from events.fhir import codes, refs


def provenance(journey_id: UUID, fact: Fact, targets: list[dict[str, Any]]) -> dict[str, Any]:
    system = fact.actor.role == "system"
    participant = "assembler" if system else "author"
    found: dict[str, Any] = {
        "resourceType": "Provenance",
        "id": refs.resource_id(journey_id, f"provenance:{fact.version}"),
        "extension": [
            {"url": codes.EVENT_VERSION_EXTENSION, "valueInteger": fact.version},
            {"url": codes.CHAIN_HASH_EXTENSION, "valueString": fact.hash},
        ],
        "target": targets,
        "occurredDateTime": refs.instant(fact.occurred_at),
        "recorded": refs.instant(fact.recorded_at),
        "activity": codes.concept(codes.coding(codes.EVENT_TYPE_SYSTEM, fact.type), text=fact.type),
        "agent": [
            {
                "type": codes.concept(codes.coding(codes.PARTICIPANT_TYPE, participant)),
                "role": [codes.concept(codes.coding(codes.ROLE_SYSTEM, fact.actor.role), text=fact.actor.role)],
                "who": refs.agent(fact.actor),
            }
        ],
    }
    if fact.reason:
        found["reason"] = [{"text": fact.reason}]
    return found
