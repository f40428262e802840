"""Snapshots must agree with the verified chain, or they could show a history the events do not prove.

The application rebuilds a journey from its latest snapshot, so an altered snapshot would change
what every page and export shows while the events stay intact. A snapshot keeps the folded clinical
record and the chain's head: the head must be the proven hash at its version, and the record must be
exactly the fold of the verified events up to it (older snapshots, which held the whole history, are
compared fact by fact), and the journey's own fields must follow from those events.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from careplan.audit import stored
from careplan.audit.findings import Break
from careplan.domain.record import OLDER_SNAPSHOT, fold_as_typed, fold_facts, state_fields
from careplan.domain.values import Fact


def check_snapshots(app: Application, journey_id: UUID, facts: list[Fact]) -> Break | None:
    """The first snapshot (by version) that disagrees with the verified facts, as a break."""
    for version, state in stored.snapshots(app, journey_id):
        problem = _disagreement(version, state, facts)
        if problem is not None:
            return Break(journey_id, version, "snapshot_mismatch", f"the snapshot at version {version} {problem}")
    return None


def _disagreement(version: int, state: dict[str, Any] | None, facts: list[Fact]) -> str | None:
    if state is None:
        return "cannot be decrypted or decoded: it was altered or written with another key"
    if version > len(facts):
        return f"is beyond the last stored event (version {len(facts)}): later events were deleted"
    if "chart" in state:
        problem = _record_disagrees(state, facts[:version])
        if problem is not None:
            return problem
        return _fields_disagree(state, facts[:version])
    history = state.get("history")
    if not isinstance(history, list) or len(history) != version:
        return "does not hold exactly the events up to its version"
    for kept, proven in zip(history, facts):
        differs = _differing_field(kept, proven)
        if differs is not None:
            return f"differs from the stored event at version {proven.version} in its {differs}"
    return _fields_disagree(state, facts[:version])


def _record_disagrees(state: dict[str, Any], facts: list[Fact]) -> str | None:
    if state.get("head") != facts[-1].hash:
        return "does not end on the proven hash of the event at its version"
    kept = state["chart"]
    lacking = kept.__dict__.get(OLDER_SNAPSHOT, frozenset())  # written before those fields existed
    # A snapshot from before clinical time (no ``latest``) holds the fold in recording order.
    folded = fold_as_typed(facts) if "latest" in lacking else fold_facts(facts)
    if any(getattr(kept, name) != getattr(folded, name) for name in state_fields() if name not in lacking):
        return "holds a clinical record that is not the fold of its events"
    return None


def _differing_field(kept: Any, proven: Fact) -> str | None:
    if not isinstance(kept, Fact):
        return "kind"
    for item in fields(Fact):
        if getattr(kept, item.name) != getattr(proven, item.name):
            return item.name.replace("_", " ")
    return None


def _fields_disagree(state: dict[str, Any], facts: list[Fact]) -> str | None:
    """The journey's fields that the aggregate keeps beside its history must follow from it."""
    opened = facts[0].data
    protocol_version = opened["protocol_version"]
    for fact in facts:
        if fact.type == "ProtocolMigrated":
            protocol_version = fact.data["to_version"]
    expected = {
        "patient_ref": opened["patient_ref"],
        "protocol_id": opened["protocol"],
        "opened_protocol_version": opened["protocol_version"],
        "protocol_version": protocol_version,
        "_created_on": facts[0].recorded_at,
        "_modified_on": facts[-1].recorded_at,
    }
    for name, value in expected.items():
        if state.get(name) != value:
            return f"differs from its events in the journey's {name.strip('_').replace('_', ' ')}"
    return None
