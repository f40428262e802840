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


def save(report: Report, path: Path) -> None:
    heads = {str(c.journey_id): {"version": c.verified_through, "hash": c.head} for c in report.journeys}
    path.write_text(json.dumps(heads, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def load(path: Path) -> dict[UUID, tuple[int, str]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {UUID(key): (int(value["version"]), str(value["hash"])) for key, value in raw.items()}
    except OSError as error:
        raise AnchorError(f"cannot read the anchor file {path}: {error.strerror}") from None
    except (ValueError, TypeError, KeyError, AttributeError):
        raise AnchorError(f"{path} is not an anchor file written by `careplan verify --save-heads`") from None


def compare(report: Report, heads: dict[UUID, tuple[int, str]]) -> list[Break]:
    """Breaks where the store no longer holds what the anchor recorded (journeys already broken aside)."""
    checked = {c.journey_id: c for c in report.journeys}
    found: list[Break] = []
    for journey_id, (version, digest) in sorted(heads.items(), key=lambda item: str(item[0])):
        check = checked.get(journey_id)
        if check is None:
            found.append(Break(journey_id, 1, "missing_event", "the anchor lists this journey; the store has none of it"))
            continue
        if check.broken is not None or version < 1:
            continue
        if version > check.verified_through:
            detail = (
                f"the anchor recorded {version} events, the store holds {check.verified_through}: "
                "the newest events were deleted"
            )
            found.append(Break(journey_id, check.verified_through + 1, "missing_event", detail))
        elif check.hashes[version - 1] != digest:
            detail = "the event no longer carries the hash the anchor recorded: the chain was rewritten here or before"
            found.append(Break(journey_id, version, "head_mismatch", detail))
    return found
