"""What the verifier reports: the first broken link of a journey, in words fit for a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Break:
    """The first broken link of a journey: where it is and what differs (never an event's content)."""

    journey_id: UUID
    version: int
    problem: str
    """missing_event, undecodable, out_of_order, hash_mismatch, snapshot_mismatch or head_mismatch."""
    detail: str
    kind: str = "journey"
    """What the chain belongs to: ``journey`` or ``account``."""

    def __str__(self) -> str:
        return f"{self.kind} {self.journey_id} version {self.version}: {self.problem}: {self.detail}"
