"""Chain heads kept outside the store: what a hash chain alone cannot prove.

A chain shows that no stored event was changed, removed or moved relative to the events after it.
It cannot show that the newest events were dropped, nor that someone with write access rewrote a
whole chain from some event onwards. Saving each journey's head (last version and hash) somewhere
else (a ticket, a printout, another system) and comparing later closes both gaps up to that moment.
"""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

from careplan.audit.findings import Break
from careplan.audit.verify import Report


class AnchorError(ValueError):
    """The anchor file is missing or malformed."""


ACCOUNT_PREFIX = "account:"
"""Accounts' heads are kept under ``account:<id>``; journeys' under their bare id (the older format)."""
ACCESS_LOG = "access_log"
"""The access log's head: the newest verified entry's id (as ``version``) and hash."""


def save(report: Report, path: Path) -> None:
    heads = {str(c.journey_id): {"version": c.verified_through, "hash": c.head} for c in report.journeys}
    heads.update({f"{ACCOUNT_PREFIX}{c.journey_id}": {"version": c.verified_through, "hash": c.head} for c in report.accounts})
    log = report.access_log
    if log is not None and log.head_id:
        heads[ACCESS_LOG] = {"version": log.head_id, "hash": log.head}
    path.write_text(json.dumps(heads, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def load(path: Path) -> dict[str, tuple[int, str]]:
    """Heads by key: a journey's id, or ``account:`` and an account's id."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        heads = {str(key): (int(value["version"]), str(value["hash"])) for key, value in raw.items()}
        for key in heads:
            if key != ACCESS_LOG:
                UUID(key.removeprefix(ACCOUNT_PREFIX))
        return heads
    except OSError as error:
        raise AnchorError(f"cannot read the anchor file {path}: {error.strerror}") from None
    except (ValueError, TypeError, KeyError, AttributeError):
        raise AnchorError(f"{path} is not an anchor file written by `careplan verify --save-heads`") from None


def compare(report: Report, heads: dict[str, tuple[int, str]]) -> list[Break]:
    """Breaks where the store no longer holds what the anchor recorded (chains already broken aside)."""
    checked = {str(c.journey_id): (c, "journey") for c in report.journeys}
    checked.update({f"{ACCOUNT_PREFIX}{c.journey_id}": (c, "account") for c in report.accounts})
    found: list[Break] = _compare_log(report, heads.get(ACCESS_LOG))
    for key, (version, digest) in sorted(heads.items()):
        if key == ACCESS_LOG:
            continue
        kind = "account" if key.startswith(ACCOUNT_PREFIX) else "journey"
        chain_id = UUID(key.removeprefix(ACCOUNT_PREFIX))
        check = checked.get(key, (None, kind))[0]
        if check is None:
            found.append(Break(chain_id, 1, "missing_event", f"the anchor lists this {kind}; the store has none of it", kind))
            continue
        if check.broken is not None or version < 1:
            continue
        if version > check.verified_through:
            detail = (
                f"the anchor recorded {version} events, the store holds {check.verified_through}: "
                "the newest events were deleted"
            )
            found.append(Break(chain_id, check.verified_through + 1, "missing_event", detail, kind))
        elif check.hashes[version - 1] != digest:
            detail = "the event no longer carries the hash the anchor recorded: the chain was rewritten here or before"
            found.append(Break(chain_id, version, "head_mismatch", detail, kind))
    return found


def _compare_log(report: Report, head: tuple[int, str] | None) -> list[Break]:
    """The access log's break, if the entry the anchor names is gone or carries another hash."""
    log = report.access_log
    if head is None or log is None or log.broken is not None:
        return []
    entry_id, digest = head
    stored = log.watched.get(entry_id)
    if stored is None:
        detail = (
            f"the anchor recorded entry {entry_id} as the newest, the log holds entries up to {log.head_id}: "
            "entries were deleted"
        )
        return [Break(None, entry_id, "missing_entry", detail, "access_log")]
    if stored != digest:
        detail = "the entry no longer carries the hash the anchor recorded: the log was rewritten here or before"
        return [Break(None, entry_id, "head_mismatch", detail, "access_log")]
    return []
