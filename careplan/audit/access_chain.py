"""The access log's hash chain: each entry's hash covers its content and the hash of the entry before.

The triggers and grants keep the application from rewriting the log; they cannot stop whoever owns
the table or can write the SQLite file. The chain makes what they do visible: an edited entry no
longer matches its hash, a removed one leaves the next entry pointing at a hash no longer stored, and
removing the newest entries is caught by comparing with a head saved earlier (``verify --heads``).
The link is computed inside the inserting transaction, with the table locked for appenders (SQLite's
write lock, an advisory lock on PostgreSQL), so two processes never chain onto the same entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from careplan.audit.findings import Break
from careplan.domain.chain import GENESIS

LOCK_KEY = 7_340_113
"""PostgreSQL advisory lock held by each appender from reading the newest hash to its commit."""

KIND = "access_log"


def link(content: Sequence[Any], previous: str) -> str:
    """The hash of one entry (``at_ts, user_id, role, journey_id, action, asked, status``) after
    ``previous``. ASCII JSON, so any text (a lone surrogate included) has one canonical form."""
    at_ts, user_id, role, journey_id, action, asked, status = content
    body = [repr(float(at_ts)), user_id, role, journey_id, action, asked, int(status), previous]
    return hashlib.sha256(json.dumps(body, separators=(",", ":")).encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Entry:
    id: int
    content: tuple[Any, ...]
    prev_hash: str | None
    hash: str | None


@dataclass
class LogCheck:
    """What verifying the access log found: entries read, the verified head and the first break."""

    entries: int = 0
    unchained: int = 0
    """Entries written before the log was chained (a leading run with no hash): not covered."""
    head_id: int = 0
    head: str = GENESIS
    watched: dict[int, str] = field(default_factory=dict)
    """Stored hashes of the entries a saved head may name, for ``anchor.compare``: every entry's, or
    only those asked for (a long log's hashes need not all be held in memory)."""
    broken: Break | None = None


def check(entries: Iterable[Entry], watch: Collection[int] | None = None, unchained_through: int | None = 0) -> LogCheck:
    """Walks the entries in id order and stops at the first broken link; keeps the hashes of the
    entries in ``watch`` (all of them when None). Only entries up to ``unchained_through`` (where the
    chain starts, ``access_start``) may lack a hash; None means that record is gone, itself a break."""
    found = LogCheck()
    previous: str | None = None
    for entry in entries:
        found.entries += 1
        if entry.hash is not None and (watch is None or entry.id in watch):
            found.watched[entry.id] = entry.hash
        if entry.hash is None and previous is None and entry.id <= (unchained_through or 0):
            found.unchained += 1
            continue
        found.broken = _broken(entry, previous or GENESIS, unchained_through)
        if found.broken is not None:
            return found
        previous = found.head = str(entry.hash)
        found.head_id = entry.id
    if unchained_through is None and found.entries:
        found.broken = Break(None, 0, "chain_start_missing", _START_GONE, KIND)
    return found


_START_GONE = (
    "the record of where the chain starts (table access_log_chain) is empty: it was deleted, "
    "so entries without a hash could no longer be told from entries whose hash was removed"
)


def _broken(entry: Entry, previous: str, unchained_through: int | None) -> Break | None:
    if entry.hash is None or entry.prev_hash is None:
        start = "" if unchained_through is None else f" (the log is chained from entry {unchained_through + 1})"
        detail = f"this entry has no hash, though it was written after the chain began{start}: its hash was removed"
        return Break(None, entry.id, "unchained", detail, KIND)
    if link(entry.content, entry.prev_hash) != entry.hash:
        detail = "its hash differs from the hash recomputed from its content: the entry was altered"
        return Break(None, entry.id, "hash_mismatch", detail, KIND)
    if entry.prev_hash != previous:
        detail = (
            "it was chained after an entry that is no longer stored as it was: "
            "the entry before it was removed or rewritten"
        )
        return Break(None, entry.id, "missing_entry", detail, KIND)
    return None
