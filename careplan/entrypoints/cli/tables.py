"""Plain-text tables and short renderings of times and event data, for people reading a terminal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

DATA_WIDTH = 70


def when(moment: datetime | None) -> str:
    """A UTC minute, as a clinic's rota reads it; '-' for none."""
    if moment is None:
        return "-"
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def short(value: Any, nested: bool = False) -> str:
    """A compact one-line rendering of event data: ``key=value`` pairs (nested ones in parentheses),
    lists joined by '/'."""
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, Mapping):
        pairs = ", ".join(f"{key}={short(item, True)}" for key, item in value.items())
        return f"({pairs})" if nested else pairs
    if isinstance(value, (list, tuple)):
        return "/".join(short(item, True) for item in value) if value else "-"
    return str(value)


def clip(text: str, width: int = DATA_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, a rule under the headers; the last column is not padded."""
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        padded = [cell.ljust(widths[i]) for i, cell in enumerate(cells[:-1])] + [cells[-1]]
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule] + [line(row) for row in rows])
