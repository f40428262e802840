"""Stable identities inside one journey's bundle: the same journey exports the same resource ids."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from careplan.domain.values import Actor, utc
from events.fhir import codes


def resource_id(journey_id: UUID, name: str) -> str:
    """A resource's id, derived from the journey and what the resource is (``task:induction``)."""
    return str(journey_id) if name == "careplan" else str(uuid5(journey_id, name))


def full_url(resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"


def reference(resource_type: str, resource_id: str) -> dict[str, Any]:
    return {"reference": full_url(resource_id), "type": resource_type}


def patient(patient_ref: str, system: str) -> dict[str, Any]:
    """The patient by identifier only: careplan keeps no names, and neither does its export."""
    return {"type": "Patient", "identifier": {"system": system, "value": patient_ref}}


def agent(actor: Actor) -> dict[str, Any]:
    """Who acted: a user (a Practitioner by user id) or the scheduler (a Device)."""
    kind = "Device" if actor.role == "system" else "Practitioner"
    return {"type": kind, "identifier": {"system": codes.USER_SYSTEM, "value": actor.id}, "display": actor.id}


def instant(value: datetime) -> str:
    return utc(value).isoformat()
