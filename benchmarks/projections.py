"""Projection catch-up against the raw notification-log read, and the lag from a write to the view.

    python -m benchmarks.projections [--journeys 2000] [--events-each 5] [--lag-writes 200] [--url URL]

Catch-up: the read views are emptied and rebuilt from position 0 by ``Projector.catch_up``; the raw
read is ``select_notifications`` over the same log with nothing done per notification, in the same
run. Lag (PostgreSQL only: ``--url postgresql://...``): the library's projection runner follows a
writer in this process; each write is timed until the view's tracked position reaches it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timezone

from benchmarks._cohort import BENCH, MovableClock, make_app
from events.read.projection import Projector, start_runner
from events.read.store import VIEW_TABLES, ReadStore


def fill(app, journeys: int, events_each: int) -> int:  # type: ignore[no-untyped-def]
    ids = [app.open_journey(f"P-{i}", actor=BENCH) for i in range(journeys)]
    for n in range(events_each - 1):
        for journey in ids:
            app.record(journey, "NoteAdded", {"text": f"note {n}"}, actor=BENCH)
    return journeys * events_each


def raw_read(app) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    started, count, start = time.perf_counter(), 0, 1
    while True:
        batch = app.recorder.select_notifications(start=start, limit=500)
        count += len(batch)
        if len(batch) < 500:
            return count, time.perf_counter() - started
        start = batch[-1].id + 1


def catch_up_from_zero(app, store: ReadStore) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    with store.write() as cur:
        for tables in VIEW_TABLES.values():
            for table in tables:
                cur.run(f"DELETE FROM {table}")
        store.set_position(cur, 0)
    started = time.perf_counter()
    taken = Projector(app, store).catch_up()
    return taken, time.perf_counter() - started


def lag(app, store: ReadStore, writes: int) -> list[float]:  # type: ignore[no-untyped-def]
    runner = start_runner(app, store)
    journey = app.open_journey("P-LAG", actor=BENCH)
    samples = []
    try:
        for n in range(writes):
            app.record(journey, "NoteAdded", {"text": f"lag {n}"}, actor=BENCH)
            written = time.perf_counter()
            target = app.recorder.max_notification_id() or 0
            while store.position() < target:
                time.sleep(0.0005)
            samples.append(time.perf_counter() - written)
    finally:
        runner.__exit__(None, None, None)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=2000)
    parser.add_argument("--events-each", type=int, default=5)
    parser.add_argument("--lag-writes", type=int, default=200)
    parser.add_argument("--url", help="a database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    app = make_app(args.url, MovableClock(datetime.now(timezone.utc)))
    store = ReadStore(app)
    events = fill(app, args.journeys, args.events_each)
    raw = [raw_read(app) for _ in range(3)]
    caught = [catch_up_from_zero(app, store) for _ in range(3)]
    raw_rate = statistics.median(n / s for n, s in raw)
    catch_rate = statistics.median(n / s for n, s in caught)
    print(f"store: {app.store.describe()}; {events} events in {args.journeys} journeys")
    print(f"raw notification-log read: {raw_rate:,.0f} events/s (median of 3)")
    print(f"projection catch-up:       {catch_rate:,.0f} events/s (median of 3), {catch_rate / raw_rate:.3f} of the raw read")
    if store.postgres:
        samples = sorted(lag(app, store, args.lag_writes))
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        print(f"write-to-view lag (runner): median {statistics.median(samples) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms "
              f"over {len(samples)} writes")
    app.close()


if __name__ == "__main__":
    main()
