"""The outcomes report's time against the clinic's size, and the FHIR transaction export of a long journey.

    python -m benchmarks.outcomes [--patients 1000] [--sizes 1000,2500,5000,10000] [--events 2000] [--repeat 5] [--url URL]

A demo cohort of ``--patients`` is written through the engine and its outcomes view brought up to
date (the catch-up's time is printed). For each of ``--sizes`` the view's rows are then copied under
new journey ids until it holds that many courses (the report reads only those rows, so a copy costs
what a course costs), and the report is timed as the API computes it: the view's catch-up check, its
rows read (and opened, when they changed since the process last opened them), every course folded as
known at the moment, the figures per version. Printed as a curve: the median of ``--repeat`` runs, now,
``--as-of`` a month back, and cold (every row opened, as in a fresh process), with each size's ratio
to the first (linear is a ratio equal to the sizes' ratio). Target: under 1 s at 10,000 on SQLite,
cold.

Then a journey of ``--events`` events (vitals, PHQ-9s, check-ins and notes) is exported as the
transaction Bundles a FHIR server imports, and as the collection Bundle, each timed (target: under 1 s).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from benchmarks.pages import CLINICIAN, NOW, Clock
from careplan.adapters.settings import StoreSettings
from careplan.application import CarePlan
from careplan.demo import generate
from events.fhir import export, transaction
from events.protocol_file import default_protocols
from events.read.outcomes.reading import report
from events.read.outcomes.view import TABLE, OutcomesView, forget_opened
from events.read.runtime import read_store_for
from events.read.store import ReadStore

TARGET_S = 1.0


def median_s(work: Callable[[], Any], repeat: int) -> float:
    work()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def long_journey(app: CarePlan, events: int) -> uuid.UUID:
    """A journey of ``events`` events, six hours apart up to now: a consultation, then rounds of
    vitals, PHQ-9s (each a panel of eleven resources in the export), check-ins and notes."""
    start = NOW - timedelta(hours=6 * events + 24)
    journey = app.open_journey("BENCH-LONG", actor=CLINICIAN, occurred_at=start)
    consult = {"eligible": True, "prior_antidepressant_trials": 2, "psychotherapy_tried": True}
    app.record(journey, "ConsultationCompleted", consult, actor=CLINICIAN, occurred_at=start)
    rounds = (
        ("VitalsRecorded", {"phase": "pre", "systolic": 124, "diastolic": 80, "heart_rate": 70}),
        ("AssessmentRecorded", {"instrument": "PHQ9", "total": 9, "items": [1, 1, 1, 1, 1, 1, 1, 2, 0], "context": "other"}),
        ("ComplementaryCareCheckIn", {"area": "sleep", "adherence": "partial"}),
        ("NoteAdded", {"text": "Follow-up call."}),
    )
    for n in range(events - 2):
        event_type, data = rounds[n % len(rounds)]
        app.record(journey, event_type, data, actor=CLINICIAN, occurred_at=start + timedelta(hours=6 * (n + 1)))
    return journey


def grow(store: ReadStore, base: list[tuple[str, int, bytes]], size: int) -> int:
    """Copies the base rows under new ids until the view holds ``size`` courses; returns the count."""
    with store.read() as cur:
        held = int(cur.run(f"SELECT COUNT(*) AS n FROM {TABLE}").one()["n"])
    rows = []
    while held + len(rows) < size:
        journey_id, version, payload = base[(held + len(rows)) % len(base)]
        rows.append((str(uuid.uuid4()), version, payload))
    with store.write() as cur:
        cur.many(f"INSERT INTO {TABLE} (journey_id, version, payload) VALUES (?, ?, ?)", rows)
    return held + len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000, help="the demo cohort written through the engine")
    parser.add_argument("--sizes", default="1000,2500,5000,10000", help="courses the report is timed at")
    parser.add_argument("--events", type=int, default=2000, help="events of the journey exported")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--url", default=None, help="store URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="careplan-outcomes-") as folder:
        app = CarePlan(StoreSettings(url=args.url or f"sqlite:///{folder}/outcomes.sqlite"), default_protocols(), clock=Clock())
        try:
            run(app, args, sizes)
        finally:
            app.close()


def run(app: CarePlan, args: argparse.Namespace, sizes: list[int]) -> None:
    started = time.perf_counter()
    cohort = generate(app, args.patients, seed=1, now=NOW)
    print(f"{cohort.journeys} journeys, {cohort.events} events written in {time.perf_counter() - started:.1f} s; "
          f"store: {app.store.describe()}")
    store = read_store_for(app)
    view = OutcomesView(app, store)
    started = time.perf_counter()
    taken = view.catch_up()
    print(f"outcomes view caught up with {taken} notifications in {time.perf_counter() - started:.2f} s")
    with store.read() as cur:
        base = [(r["journey_id"], int(r["version"]), bytes(r["payload"])) for r in cur.run(f"SELECT * FROM {TABLE}").all()]
    month_ago = NOW - timedelta(days=30)
    curve = []
    for size in sizes:
        held = grow(store, base, size)
        now_s = median_s(lambda: report(app), args.repeat)
        past_s = median_s(lambda: report(app, as_of=month_ago), args.repeat)
        cold_s = median_s(lambda: (forget_opened(app), report(app)), args.repeat)
        curve.append((held, now_s, past_s, cold_s))
    first_n, first_s, _, first_cold = curve[0]
    print(f"\n{'courses':>9} {'report now (ms)':>16} {'as of -30 d (ms)':>17} {'cold (ms)':>10} {'ratio':>7} "
          f"{'cold ratio':>11} {'size ratio':>11}  curve")
    widest = max(c[3] for c in curve)
    for n, now_s, past_s, cold_s in curve:
        bar = "#" * max(1, int(30 * cold_s / widest))
        print(f"{n:>9,} {now_s * 1000:>16.1f} {past_s * 1000:>17.1f} {cold_s * 1000:>10.1f} {now_s / first_s:>7.2f} "
              f"{cold_s / first_cold:>11.2f} {n / first_n:>11.2f}  {bar}")
    print("(cold: the first report in a process, every row opened; after it a report opens only rows that changed)")
    largest_n, _, _, largest_s = curve[-1]
    verdict = "under" if largest_s < TARGET_S else "OVER"
    print(f"report at {largest_n:,} courses: {largest_s * 1000:.0f} ms, {verdict} the {TARGET_S:g} s target")

    journey = long_journey(app, args.events)
    bundles = transaction(app, journey)
    entries = sum(len(b["entry"]) for b in bundles)
    fhir_s = median_s(lambda: transaction(app, journey), args.repeat)
    collection_s = median_s(lambda: export(app, journey), args.repeat)
    verdict = "under" if fhir_s < TARGET_S else "OVER"
    print(f"\nFHIR export of a {args.events}-event journey: transaction {fhir_s * 1000:.0f} ms "
          f"({len(bundles)} Bundles, {entries} entries), {verdict} the {TARGET_S:g} s target; collection {collection_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
