"""Stable identities inside one journey's bundle: the same journey exports the same resource ids."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from hashlib import sha1
from typing import Any
from uuid import UUID

from careplan.domain.values import Actor, utc
from events.fhir import codes


def resource_id(journey_id: UUID, name: str) -> str:
    """A resource's id, derived from the journey and what the resource is (``task:induction``):
    ``uuid5(journey_id, name)``, formatted without building a ``UUID`` (a long journey's export makes
    ten thousand of them, and the object's checks cost more than the hash)."""
    if name == "careplan":
        return str(journey_id)
    digest = bytearray(sha1(journey_id.bytes + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def full_url(resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"


_relative: ContextVar[str | None] = ContextVar("fhir_relative_references", default=None)
"""Inside ``relative_references``: how the patient is referred to; references are then relative."""


@contextmanager
def relative_references(patient_reference: str) -> Iterator[None]:
    """References made inside are relative (``Task/ID``, so they hold across the Bundles a server
    imports one after another) and the patient's carries ``patient_reference`` (its conditional
    reference ``Patient?identifier=...``, or ``Patient/ID`` in Bulk Data) beside its identifier."""
    token = _relative.set(patient_reference)
    try:
        yield
    finally:
        _relative.reset(token)


def reference(resource_type: str, resource_id: str) -> dict[str, Any]:
    if _relative.get() is not None:
        return {"reference": f"{resource_type}/{resource_id}", "type": resource_type}
    return {"reference": full_url(resource_id), "type": resource_type}


def patient(patient_ref: str, system: str) -> dict[str, Any]:
    """The patient by identifier only: careplan keeps no names, and neither does its collection
    export (inside ``relative_references``, with the reference the importing server resolves)."""
    found = {"type": "Patient", "identifier": {"system": system, "value": patient_ref}}
    subject = _relative.get()
    return found if subject is None else {"reference": subject, **found}


def agent(actor: Actor) -> dict[str, Any]:
    """Who acted: a user (a Practitioner by user id) or the scheduler (a Device)."""
    kind = "Device" if actor.role == "system" else "Practitioner"
    return {"type": kind, "identifier": {"system": codes.USER_SYSTEM, "value": actor.id}, "display": actor.id}


def instant(value: datetime) -> str:
    return utc(value).isoformat()
