"""What the verifier reports: the first broken link of a journey, in words fit for a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Break:
    """The first broken link of a journey: where it is and what differs (never an event's content)."""

    journey_id: UUID | None
    """The journey's or account's id; None for the access log, whose breaks name an entry's id."""
    version: int
    problem: str
    """missing_event, undecodable, out_of_order, hash_mismatch, snapshot_mismatch or head_mismatch."""
    detail: str
    kind: str = "journey"
    """What the chain belongs to: ``journey``, ``account`` or ``access_log`` (``version`` is then the entry's id);
    ``chair_booking`` for a row of the chair ledger (``version``: the booking event's)."""

    def __str__(self) -> str:
        if self.kind == "chair_booking":
            return f"chair booking of journey {self.journey_id or '(not a journey id)'} version {self.version}: {self.problem}: {self.detail}"
        if self.journey_id is None:
            entry = f" entry {self.version}" if self.version else ""
            return f"access log{entry}: {self.problem}: {self.detail}"
        return f"{self.kind} {self.journey_id} version {self.version}: {self.problem}: {self.detail}"
