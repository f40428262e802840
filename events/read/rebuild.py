"""Rebuilding a view from the history: into shadow tables, compared with the live view, then swapped in.

The comparison is the proof the issue asks for: the rebuilt rows must equal the incrementally kept
ones for every journey both have seen at the same version (journeys written to while the rebuild ran
are left out of the comparison, not counted as differences). The swap happens in one transaction
under the writers' lock, and the tracked position is set back to where the rebuild started reading,
so whatever was written meanwhile is taken in again by the next catch-up (replaying is harmless).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from careplan.application import CarePlan
from careplan.domain.errors import UnknownJourney
from events.read.projection import Projector, write_rows
from events.read.rows import JourneyRows, rows_for, unseal
from events.read.store import VIEW_TABLES, Cursor, ReadStore

SHADOW = "rebuild_"
BATCH = 200


@dataclass
class RebuildReport:
    views: tuple[str, ...]
    journeys: int
    position: int
    compared: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.differences


def rebuild(
    app: CarePlan,
    store: ReadStore,
    views: tuple[str, ...] = tuple(VIEW_TABLES),
    progress: Callable[[int, int], None] | None = None,
    swap: bool = True,
) -> RebuildReport:
    """Rebuilds ``views`` from every journey's history; returns how the result compares with the
    live view (brought up to date first), then replaces the live view unless ``swap`` is False."""
    unknown = [v for v in views if v not in VIEW_TABLES]
    if unknown:
        raise ValueError(f"unknown view {unknown[0]!r}; choose from {', '.join(VIEW_TABLES)}")
    Projector(app, store).catch_up()
    position = app.recorder.max_notification_id() or 0
    journey_ids = list(app.journey_ids())
    _drop_shadow(store)
    store.create_tables(prefix=SHADOW)
    for start in range(0, len(journey_ids), BATCH):
        rows = [r for r in (_rows(app, j) for j in journey_ids[start : start + BATCH]) if r]
        with store.write() as cur:
            write_rows(cur, rows, views, prefix=SHADOW)
        if progress:
            progress(min(start + BATCH, len(journey_ids)), len(journey_ids))
    report = RebuildReport(views, len(journey_ids), position)
    Projector(app, store).catch_up()
    with store.read() as cur:
        report.compared, report.differences = _compare(app, cur, views)
    if swap:
        with store.write() as cur:
            for table in (t for v in views for t in VIEW_TABLES[v]):
                cur.run(f"DELETE FROM {table}")
                cur.run(f"INSERT INTO {table} SELECT * FROM {SHADOW}{table}")
            current = store.position(cur)
            store.set_position(cur, min(current, position))
        Projector(app, store).catch_up()
        store.analyze()
    _drop_shadow(store)
    return report


def _rows(app: CarePlan, journey_id: UUID) -> JourneyRows | None:
    try:
        return rows_for(app, app.get(journey_id))
    except UnknownJourney:
        return None


def _drop_shadow(store: ReadStore) -> None:
    with store.write() as cur:
        for tables in VIEW_TABLES.values():
            for table in tables:
                cur.run(f"DROP TABLE IF EXISTS {SHADOW}{table}")


def _compare(app: CarePlan, cur: Cursor, views: tuple[str, ...]) -> tuple[int, list[str]]:
    live_versions = _versions(cur, "read_journeys")
    shadow_versions = _versions(cur, SHADOW + "read_journeys") if "journeys" in views else {}
    if "due" in views:
        live_versions = {**_versions(cur, "read_due"), **live_versions}
        shadow_versions = {**_versions(cur, SHADOW + "read_due"), **shadow_versions}
    same = {j for j, v in shadow_versions.items() if live_versions.get(j) == v}
    differences = [f"journey {j}: missing from the live view" for j in shadow_versions if j not in live_versions]
    differences += [f"journey {j}: in the live view only" for j in live_versions if j not in shadow_versions]
    everyone = len(same) == len(shadow_versions) == len(live_versions)
    for view in views:
        for table in VIEW_TABLES[view]:
            if table == "read_counts" and not everyone:
                continue
            live, shadow = _table(app, cur, table, same), _table(app, cur, SHADOW + table, same)
            for key in sorted(set(live) | set(shadow)):
                if live.get(key) != shadow.get(key):
                    differences.append(f"{table} {key}: live {live.get(key)!r} != rebuilt {shadow.get(key)!r}")
    return len(same), differences


def _versions(cur: Cursor, table: str) -> dict[str, int]:
    return {r["journey_id"]: int(r["version"]) for r in cur.run(f"SELECT journey_id, version FROM {table}").all()}


_KEYS = {"read_steps": ("journey_id", "step"), "read_grams": ("gram", "journey_id"), "read_counts": ("name",)}


def _table(app: CarePlan, cur: Cursor, table: str, journeys: set[str]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """The rows of ``table`` for the compared journeys; the counters only when every journey is compared
    (a journey written to during the rebuild changes them)."""
    keys = _KEYS.get(table.removeprefix(SHADOW), ("journey_id",))
    rows: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for row in cur.run(f"SELECT * FROM {table}").all():
        values = dict(row)
        if "journey_id" in values and values["journey_id"] not in journeys:
            continue
        if "payload" in values:
            values["payload"] = unseal(app, values["payload"])  # ciphertexts differ; plaintexts must not
        rows[tuple(values[k] for k in keys)] = tuple(sorted(values.items()))
    return rows
