"""Moving a store to a new encryption key: copy every event, re-encrypted, then prove the copy.

Events are immutable and AES-GCM rows are bound to the key that wrote them, so a key is rotated by
copying, not by rewriting in place: every stored event of the application sequence (journeys and the
accounts kept beside them), in the order it was recorded, is decoded with the old key and written to
an empty store with the new one. Snapshots and projections are left behind: the application takes
new snapshots as journeys change, and ``careplan projections rebuild`` remakes the read side. The
copy is then verified chain by chain; the old store is never written to, so it stays the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.application import Application

from careplan.audit.stored import PAGE
from careplan.audit.verify import Report, verify_store
from careplan.settings import ConfigError


@dataclass(frozen=True)
class Rotation:
    events: int
    journeys: int
    report: Report


def rotate(source: Application, target: Application) -> Rotation:
    """Copies every event from ``source`` into the empty ``target`` under its cipher, then verifies it."""
    if target.recorder.select_notifications(start=1, limit=1):  # type: ignore[attr-defined]
        raise ConfigError("the new store is not empty: rotate into a new, empty database")
    copied = 0
    start = 1
    while True:
        batch = source.recorder.select_notifications(start=start, limit=PAGE)  # type: ignore[attr-defined]
        if batch:
            events = [source.mapper.to_domain_event(stored) for stored in batch]
            target.recorder.insert_events([target.mapper.to_stored_event(event) for event in events])
            copied += len(batch)
        if len(batch) < PAGE:
            break
        start = batch[-1].id + 1
    report = verify_store(target)
    return Rotation(events=copied, journeys=len(report.journeys), report=report)
