"""Writing many journeys quickly for the benchmarks: aggregates saved in batches, read rows written
directly (the same rows the projection would write), so 100,000 journeys take minutes, not hours."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime

from careplan.adapters.settings import StoreSettings
from careplan.application import CarePlan
from careplan.domain.journey import PatientJourney
from careplan.domain.values import Actor
from events.protocol_file import default_protocols
from events.read.projection import write_rows
from events.read.rows import rows_for
from events.read.store import ReadStore

BENCH = Actor("bench", "coordinator")


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_app(url: str | None, clock: MovableClock) -> CarePlan:
    url = url or f"sqlite:///{tempfile.mkdtemp(prefix='careplan-bench-')}/bench.sqlite"
    return CarePlan(StoreSettings(url=url), default_protocols(open_on="1"), clock=clock)


def open_journeys(
    app: CarePlan, store: ReadStore, count: int, opened_at: Callable[[int], datetime], batch: int = 1000
) -> None:
    protocol = app.protocol("ketamine-trd", 1)
    for start in range(0, count, batch):
        now = app.clock()
        journeys = [
            PatientJourney.open(f"BENCH-{i}", protocol, opened_at(i), BENCH, now)
            for i in range(start, min(count, start + batch))
        ]
        app.save(*journeys)
        rows = [rows_for(app, j) for j in journeys]
        with store.write() as cur:
            write_rows(cur, rows)
    with store.write() as cur:
        store.set_position(cur, app.recorder.max_notification_id() or 0)
