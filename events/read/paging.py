"""One page of a listing: the ids from the serving index, then the sealed payloads of those rows only.

Two ways to a page. ``offset`` skips index entries (no payload is read for a skipped row, so page 200
costs 5,000 index entries, not 5,000 rows). ``after`` is a keyset cursor, the last row's sort key and
journey id, so any depth costs one index seek. The cursor holds a time and a journey id, never a
patient reference; it is as safe in a URL as a journey's own address.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from events.read.listing import Listing
from events.read.store import Cursor


class BadCursor(ValueError):
    """An ``after`` value that this module did not make."""


def encode(sort_key: float, journey_id: str) -> str:
    return f"{float(sort_key)!r}~{journey_id}"


def decode(cursor: str) -> tuple[float, str]:
    try:
        key, journey_id = cursor.split("~", 1)
        return float(key), str(UUID(journey_id))
    except (ValueError, AttributeError):
        raise BadCursor("not a page cursor") from None


def fetch_page(cur: Cursor, chosen: Listing, offset: int, limit: int, after: str | None) -> tuple[list[Any], str | None]:
    """The page's rows (``journey_id``, ``payload``) in list order, and the cursor to the next page."""
    op, direction = ("<", "DESC") if chosen.descending else (">", "ASC")
    sql = f"SELECT l.journey_id, l.sort_key FROM ({chosen.source}) AS l"
    params = list(chosen.params)
    if after:
        sql += f" WHERE (l.sort_key, l.journey_id) {op} (?, ?)"
        params += list(decode(after))
        offset = 0
    sql += f" ORDER BY l.sort_key {direction}, l.journey_id {direction} LIMIT ? OFFSET ?"
    found = cur.run(sql, [*params, limit + 1, offset]).all()
    more, found = len(found) > limit, found[:limit]
    payloads = _payloads(cur, [r["journey_id"] for r in found])
    rows = [{"journey_id": r["journey_id"], "payload": payloads[r["journey_id"]]} for r in found if r["journey_id"] in payloads]
    last = found[-1] if found else None
    return rows, encode(last["sort_key"], last["journey_id"]) if more and last is not None else None


def _payloads(cur: Cursor, journey_ids: list[str]) -> dict[str, Any]:
    if not journey_ids:
        return {}
    marks = ", ".join("?" * len(journey_ids))
    sql = f"SELECT journey_id, payload FROM read_journeys WHERE journey_id IN ({marks})"
    return {r["journey_id"]: r["payload"] for r in cur.run(sql, journey_ids).all()}
