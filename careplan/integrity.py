"""Reading a record's rows so that a row out of place is refused, not shown: shared by journeys and accounts.

A row that does not open is either the whole store read with a wrong key (then its first row does
not open either: ``StoreUnreadable``, the deployment's problem) or one row sealed for another place,
or altered, among rows that open (``BrokenRecord``, the record's problem). Each refusal and each
snapshot left unused is logged once per process, by record id and version only: no patient data.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent

from careplan.adapters.settings import StoreUnreadable
from careplan.domain.errors import BrokenRecord

log = logging.getLogger("careplan.integrity")

_told: set[tuple[str, str, int]] = set()
_lock = threading.Lock()


def once(kind: str, record_id: object, version: int, message: str, *args: object) -> None:
    """Logs ``message`` the first time this process meets this (kind, record, version)."""
    key = (kind, str(record_id), version)
    with _lock:
        if key in _told:
            return
        _told.add(key)
    log.warning(message, *args)


def refuse(kind: str, record_id: object, version: int, why: str) -> BrokenRecord:
    """The refusal of a record that does not hold together, logged (once) with why."""
    once(kind, record_id, version, "Refused the stored %s %s at version %d: %s", kind, record_id, version, why)
    return BrokenRecord(kind, record_id, version)


def decoded(mapper: Mapper[Any], rows: Iterable[StoredEvent], kind: str, record_id: object, opened: bool = False) -> list[Any]:
    """The rows' events, in order. ``opened``: something of this record (its snapshot) already opened
    with the key, so even the first row that does not open is out of place."""
    events: list[Any] = []
    for row in rows:
        try:
            events.append(mapper.to_domain_event(row))
        except MapperDeserialisationError as error:
            if events or opened:
                raise refuse(kind, record_id, row.originator_version, "the row does not open at its place") from None
            raise StoreUnreadable() from error
    return events
