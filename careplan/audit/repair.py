"""``careplan verify --repair``: drop the snapshots whose head is not the stored event's hash at their version.

A snapshot is a cache of a journey's fold; the events are the record. Before snapshots were taken
from the save that succeeded, a threaded server could store the fold of a save that lost a race: its
head is a hash no stored event has and its record holds what was never recorded. The application no
longer uses such a snapshot (``careplan.loading``), and dropping it loses nothing: the next load
replays the events, and the next save at the interval takes a true one. A snapshot that does not
open (altered, or copied from another place) is dropped too. A snapshot whose head is right but whose
record differs is left for ``verify`` to report: only someone with the key could have written it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from careplan.adapters import event_tables
from careplan.adapters.settings import ConfigError
from careplan.audit import stored


class RepairRefused(ConfigError):
    """The connected role may not delete snapshots (``careplan db setup`` grants it only SELECT, INSERT)."""

    def __init__(self) -> None:
        super().__init__(
            "this role may not delete snapshots: run `careplan verify --repair` with CAREPLAN_DATABASE_URL "
            "set to the schema owner's URL (the admin URL given to `careplan db setup`)"
        )


def unproven_snapshots(app: Application, journey_id: UUID) -> list[int]:
    """The versions of the journey's snapshots whose head is no stored event's hash at their version."""
    hashes = {row.version: row.fact.hash for row in stored.rows(app, journey_id) if row.fact is not None}
    return [version for version, state in stored.snapshots(app, journey_id) if _head(state) != hashes.get(version)]


def drop_unproven_snapshots(app: Application, journey_ids: Iterable[UUID] | None = None) -> dict[UUID, list[int]]:
    """Deletes every unproven snapshot (of the journeys given, or of all); returns them by journey."""
    dropped: dict[UUID, list[int]] = {}
    for journey_id in stored.journey_ids(app) if journey_ids is None else journey_ids:
        versions = unproven_snapshots(app, journey_id)
        if versions:
            _delete(app, journey_id, versions)
            dropped[journey_id] = versions
    return dropped


def _head(state: dict[str, Any] | None) -> str | None:
    """The chain's head a snapshot keeps (older snapshots kept the whole history instead)."""
    if state is None:
        return None
    if "head" in state:
        return state["head"] if isinstance(state["head"], str) else None
    history = state.get("history")
    return getattr(history[-1], "hash", None) if isinstance(history, list) and history else None


def _delete(app: Application, journey_id: UUID, versions: list[int]) -> None:
    try:
        event_tables.delete_snapshots(app, journey_id, versions)
    except Exception as error:
        if "permission denied" in str(error) or type(error).__name__ == "InsufficientPrivilege":
            raise RepairRefused() from None
        raise
