"""Projection catch-up against the raw notification-log read, and the lag from a write to the view.

    python -m benchmarks.projections [--events 20000] [--lengths 5,25,100,300] [--clinic 10000]
                                     [--lag-writes 200] [--url URL]

Catch-up: the read views are emptied and rebuilt from position 0 by ``Projector.catch_up`` (in one
process, as every caller does); the raw read is ``select_notifications`` over the same log with
nothing done per notification, in the same run. The share (catch-up rate / raw read rate) is the
figure to compare between runs on a shared, noisy machine. The curve is over the journey's length at the same number of events (``--events`` in journeys of
each of ``--lengths`` events): a catch-up costs something per event (decode and fold it) and something
per changed journey (its view, its rows and their indexes), so short journeys are its worst case.
The demo cohort averages 30 events a journey; a patient in maintenance gains about 100 a year.
``--clinic N`` adds a line for a clinic's own log: the demo cohort of N patients (``careplan demo``),
with its mix of vitals, infusions, assessments, bookings and corrections rather than notes.
Lag (PostgreSQL only: ``--url postgresql://...``): the library's projection runner follows a
writer in this process; each write is timed until the view's tracked position reaches it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timezone

from benchmarks._cohort import BENCH, MovableClock, make_app
from careplan.application import CarePlan
from events.read.projection import Projector, start_runner
from events.read.store import VIEW_TABLES, ReadStore


def fill(app: CarePlan, journeys: int, events_each: int) -> int:
    ids = [app.open_journey(f"P-{i}", actor=BENCH) for i in range(journeys)]
    for n in range(events_each - 1):
        for journey in ids:
            app.record(journey, "NoteAdded", {"text": f"note {n}"}, actor=BENCH)
    return journeys * events_each


def raw_read(app: CarePlan) -> tuple[int, float]:
    started, count, start = time.perf_counter(), 0, 1
    while True:
        batch = app.recorder.select_notifications(start=start, limit=500)
        count += len(batch)
        if len(batch) < 500:
            return count, time.perf_counter() - started
        start = batch[-1].id + 1


def catch_up_from_zero(app: CarePlan, store: ReadStore) -> tuple[int, float]:
    with store.write() as cur:
        for tables in VIEW_TABLES.values():
            for table in tables:
                # TRUNCATE on PostgreSQL: a DELETE leaves every row dead until a vacuum, and the next
                # catch-up's inserts would pay for them.
                cur.run(f"{'TRUNCATE' if store.postgres else 'DELETE FROM'} {table}")
        store.set_position(cur, 0)
    started = time.perf_counter()
    taken = Projector(app, store).catch_up()
    return taken, time.perf_counter() - started


def lag(app: CarePlan, store: ReadStore, writes: int) -> list[float]:
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


MADE: list[tuple[str, str]] = []
"""PostgreSQL databases this run made (server URL, name), dropped at the end."""


def fresh_url(url: str | None, n: int) -> str | None:
    """A database of its own for each length (SQLite: a new file; PostgreSQL: ``URL_n``, made here
    and dropped at the end)."""
    if url is None or not url.startswith("postgresql"):
        return None
    import psycopg

    base, _, name = url.rpartition("/")
    made = f"{name}_{n}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{made}"')
    MADE.append((base, made))
    return f"{base}/{made}"


def drop_made() -> None:
    import psycopg

    for base, made in MADE:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)')


Rates = tuple[float, float]
"""Notifications per second: the raw read, and a catch-up."""


def measure(url: str | None, events: int, length: int) -> tuple[str, Rates]:
    app = make_app(url, MovableClock(datetime.now(timezone.utc)))
    store = ReadStore(app)
    fill(app, max(1, events // length), length)
    measured = rates(app, store)
    described = app.store.describe()
    app.close()
    return described, measured


def rates(app: CarePlan, store: ReadStore) -> Rates:
    """Medians of 3 of each, interleaved so that a slower minute of the machine weighs on all three."""
    raw: list[tuple[int, float]] = []
    caught_up: list[tuple[int, float]] = []
    for _ in range(3):
        raw.append(raw_read(app))
        caught_up.append(catch_up_from_zero(app, store))
    return _median_rate(raw), _median_rate(caught_up)


def _median_rate(runs: list[tuple[int, float]]) -> float:
    return statistics.median([n / s for n, s in runs if s] or [0.0])


def measure_clinic(url: str | None, patients: int) -> tuple[int, int, Rates]:
    from careplan import demo

    now = datetime.now(timezone.utc)
    app = make_app(url, MovableClock(now))
    store = ReadStore(app)
    report = demo.generate(app, patients, seed=7, now=now)
    measured = rates(app, store)
    app.close()
    return report.journeys, report.events, measured


def line(label: str, journeys: int, measured: Rates) -> str:
    raw, caught_up = measured
    return f"{label:>15} {journeys:>9} {raw:>14,.0f} {caught_up:>14,.0f} {caught_up / raw:>6.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--lengths", default="5,25,100,300", help="events per journey, comma-separated")
    parser.add_argument("--clinic", type=int, default=0, metavar="N", help="also a demo cohort of N patients")
    parser.add_argument("--lag-writes", type=int, default=200)
    parser.add_argument("--url", help="a PostgreSQL URL whose name is used as a prefix (default: fresh SQLite files)")
    args = parser.parse_args()
    try:
        run(args)
    finally:
        drop_made()


def run(args: argparse.Namespace) -> None:
    print(f"{args.events:,} events per length; medians of 3; notifications include the patient indexes' own")
    print(f"{'events/journey':>15} {'journeys':>9} {'raw read ev/s':>14} {'catch-up ev/s':>14} {'share':>6}")
    for n, length in enumerate(int(x) for x in args.lengths.split(",")):
        described, measured = measure(fresh_url(args.url, n), args.events, length)
        print(line(str(length), args.events // length, measured), flush=True)
    if args.clinic:
        journeys, events, measured = measure_clinic(fresh_url(args.url, 98), args.clinic)
        print(line(f"clinic {events // journeys}", journeys, measured)
              + f"   <- demo cohort: {args.clinic:,} patients, {events:,} events")
    print(f"store: {described}")
    if args.url:
        app = make_app(fresh_url(args.url, 99), MovableClock(datetime.now(timezone.utc)))
        store = ReadStore(app)
        samples = sorted(lag(app, store, args.lag_writes))
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        print(f"write-to-view lag (runner): median {statistics.median(samples) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms "
              f"over {len(samples)} writes")
        app.close()


if __name__ == "__main__":
    main()
