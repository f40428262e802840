"""The hash chain that makes a journey's history tamper-evident.

Each event's hash covers its content, its metadata and the hash before it, so changing, removing or
reordering any stored event breaks every link after it. The canonical form is JSON with sorted keys
and ISO times, computed from the same values the aggregate stores, so a verifier that only reads the
store can recompute it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

GENESIS = ""


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if hasattr(value, "as_dict"):
        return value.as_dict()
    raise TypeError(f"cannot hash a {type(value).__name__}")


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_default, ensure_ascii=False).encode()


def link(
    previous: str,
    *,
    journey_id: UUID,
    version: int,
    event_type: str,
    occurred_at: datetime,
    recorded_at: datetime,
    actor: Any,
    reason: str | None,
    data: dict[str, Any],
    deviation: str | None = None,
    deviated: tuple[str, ...] | list[str] = (),
) -> str:
    """The hash of one event, chained to the hash of the event before it.

    A deviation (DESIGN 6.3) is hashed only when present, so the links of every event stored before
    deviations existed stay as they were.
    """
    payload: dict[str, Any] = {
        "journey": journey_id,
        "version": version,
        "type": event_type,
        "occurred_at": occurred_at,
        "recorded_at": recorded_at,
        "actor": actor,
        "reason": reason,
        "data": data,
        "previous": previous,
    }
    if deviation is not None or deviated:
        payload["deviation"] = {"reason": deviation, "codes": sorted(deviated)}
    return hashlib.sha256(canonical(payload)).hexdigest()


def holds(fact: Any, previous: str, owner_id: UUID) -> bool:
    """Whether a stored fact's hash is its own link onto ``previous``: its content at its own place
    (owner and version), so a row copied from anywhere else never holds."""
    try:
        return bool(fact.hash == link(
            previous, journey_id=owner_id, version=fact.version, event_type=fact.type,
            occurred_at=fact.occurred_at, recorded_at=fact.recorded_at, actor=fact.actor, reason=fact.reason,
            data=fact.data, deviation=fact.deviation, deviated=fact.deviated,
        ))  # fmt: skip
    except (TypeError, ValueError, AttributeError):
        return False
