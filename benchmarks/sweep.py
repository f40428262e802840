"""Sweep time against the number of journeys, with the same number due each time.

    python -m benchmarks.sweep [--sizes 1000 10000 100000] [--due 100] [--repeats 5] [--url URL]
    python -m benchmarks.sweep --throughput [--due 1000] [--url URL]

``--throughput``: events recorded per second by a sweep of ``--due`` due journeys beside the same
events recorded one call at a time, and page times while a sweep runs (``benchmarks.sweep_throughput``).

For each size: that many journeys, of which ``--due`` per repeat owe two events (their consultation
became due and went overdue); each repeat sweeps at a moment when a fresh group of that size falls
due. The sweep's cost should follow what is due, not the size: the printed ratios should stay near 1.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timedelta, timezone

from benchmarks._cohort import MovableClock, make_app, open_journeys
from careplan.entrypoints.scheduling.sweep import sweep
from events.read.store import ReadStore

BASE = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def measure(size: int, due: int, repeats: int, url: str | None) -> tuple[float, float, int]:
    created = BASE + timedelta(days=2 * repeats + 8)
    clock = MovableClock(created)
    app = make_app(url, clock)
    store = ReadStore(app)
    groups = due * repeats

    def opened_at(i: int) -> datetime:
        # Journeys 0..groups-1 in `repeats` groups, two days apart; the rest opened at `created`.
        return BASE + timedelta(days=2 * (i // due)) if i < groups else created

    started = time.perf_counter()
    open_journeys(app, store, size, opened_at)
    setup = time.perf_counter() - started
    timings, recorded = [], 0
    for r in range(repeats):
        clock.now = BASE + timedelta(days=2 * r + 7, minutes=1)
        started = time.perf_counter()
        result = sweep(app, store, clock.now)
        timings.append(time.perf_counter() - started)
        recorded += len(result.recorded)
        assert result.journeys == due, (result.journeys, due)
    app.close()
    return statistics.median(timings), setup, recorded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--url", help="a database URL (default: a fresh SQLite file per size)")
    parser.add_argument("--throughput", action="store_true", help="a sweep's events per second beside a loop's, and page times")
    args = parser.parse_args()
    if args.throughput:
        from benchmarks.sweep_throughput import measure as throughput
        from benchmarks.sweep_throughput import report

        report(throughput(args.url, args.due), "PostgreSQL" if args.url and args.url.startswith("postgres") else "SQLite")
        return
    first = None
    print(f"{'journeys':>9} {'due':>5} {'median sweep':>13} {'per due':>9} {'ratio':>6} {'setup':>8}")
    for size in args.sizes:
        median, setup, recorded = measure(size, args.due, args.repeats, args.url)
        first = first or median
        print(f"{size:>9} {args.due:>5} {median * 1000:>10.1f} ms {median / args.due * 1000:>6.2f} ms "
              f"{median / first:>6.2f} {setup:>7.1f}s", flush=True)
        assert recorded == 2 * args.due * args.repeats


if __name__ == "__main__":
    main()
