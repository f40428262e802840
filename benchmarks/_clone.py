"""Growing the read tables to 100,000 journeys without writing 100,000 histories.

Building a 100,000-journey cohort through the engine takes about an hour on this machine (10,000 take
eight minutes with their read views), so the benchmark writes 10,000 real journeys, measures, and then
copies their read rows ``times - 1`` more times under new journey ids and references: the same
stages, due times and flags, sealed with the application's cipher, with search pieces and counters
written by the projection's own ``write_rows``. The lists' shapes (what share is overdue, blocked,
due today) stay those of the demo cohort.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable

from careplan.application import CarePlan
from events.read.keys import gram_keys, grams, patient_key
from events.read.projection import _JOURNEY_COLUMNS, write_rows
from events.read.rows import JourneyRows
from events.read.sealed import seal, unseal
from events.read.store import ReadStore

_BATCH = 2000


def clone_rows(app: CarePlan, store: ReadStore, times: int, progress: Callable[[int], None] | None = None) -> int:
    """Adds ``times - 1`` copies of every journey row; returns the journeys now in the read tables."""
    with store.read() as cur:
        journeys = [dict(r) for r in cur.run("SELECT * FROM read_journeys ORDER BY journey_id").all()]
        steps: dict[str, list[tuple[object, ...]]] = {}
        for r in cur.run("SELECT journey_id, step, graced, blocked, due_ts, overdue_ts FROM read_steps").all():
            steps.setdefault(r["journey_id"], []).append(tuple(r[c] for c in ("step", "graced", "blocked", "due_ts", "overdue_ts")))
    made = 0
    batch: list[JourneyRows] = []
    for copy in range(1, times):
        for number, row in enumerate(journeys):
            batch.append(_copy(app, row, steps.get(row["journey_id"], []), copy, copy * len(journeys) + number))
            if len(batch) == _BATCH:
                made += _write(store, batch)
                if progress:
                    progress(made)
    made += _write(store, batch)
    return len(journeys) + made


def _copy(app: CarePlan, row: dict[str, object], steps: list[tuple[object, ...]], copy: int, number: int) -> JourneyRows:
    jid = str(uuid.uuid5(uuid.UUID(str(row["journey_id"])), str(copy)))
    summary = unseal(app, row["payload"])  # type: ignore[arg-type]
    ref = f"DEMO-{number + 1:06d}"
    summary = dataclasses.replace(summary, journey_id=uuid.UUID(jid), patient_ref=ref)
    values = {**row, "journey_id": jid, "patient_key": patient_key(app, ref), "payload": seal(app, summary)}
    journey = tuple(values[c] for c in _JOURNEY_COLUMNS)
    return JourneyRows(jid, int(row["version"]), journey, [(jid, *s) for s in steps], (jid, row["version"], None), lambda: gram_keys(app, grams(ref)))


def _write(store: ReadStore, batch: list[JourneyRows]) -> int:
    with store.write() as cur:
        write_rows(cur, batch, views=("journeys",))
    done = len(batch)
    batch.clear()
    return done
