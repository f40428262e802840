"""The engine's cost on real stores, measured against the eventsourcing library on its own.

    python benchmarks/engine.py [--quick] [--stores sqlite,postgres]

(a) Recording one event: ``CarePlan.record`` on a journey of 10 events, against the library's own
    get + one event + save of a trivial aggregate of 10 events, interleaved in the same run on the same
    kind of store. The target is careplan within 1.5 times the raw cost.
(b) Loading a journey of 500 events with snapshots (every 50 events) and without, in two stores of
    the same kind. The target is under 2 ms with snapshots.

Figures are medians in milliseconds. A script, not a test: timings depend on the machine, so they are
printed for a person to read (and copied into the README), never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from careplan.application import CarePlan
from careplan.domain.values import Actor
from careplan.settings import StoreSettings
from events.protocol_file import default_protocols

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
CLINICIAN = Actor(id="dr-bench", role="clinician")
NO_SNAPSHOTS = 10**9
"""An interval no journey reaches: snapshotting stays configured but none is ever taken."""

JOURNEY_OF_TEN: tuple[tuple[str, dict[str, Any]], ...] = (
    ("ConsultationCompleted", {"eligible": True, "prior_antidepressant_trials": 3, "psychotherapy_tried": True}),
    ("MedicationReviewed", {"medications": [], "benzodiazepine_diazepam_eq_mg": 0, "taper_required": False}),
    ("ContraindicationScreened", {"findings": []}),
    ("ScreeningOrdered", {"panel": "thyroid"}),
    ("AssessmentRecorded", {"instrument": "PHQ9", "total": 16, "items": [2, 2, 2, 2, 2, 2, 2, 2, 0], "context": "baseline"}),
    ("ComplementaryCareGuidanceGiven", {"area": "sleep", "guidance": "Keep a regular wake time."}),
    ("VitalsRecorded", {"phase": "pre", "systolic": 124, "diastolic": 80, "heart_rate": 70, "spo2": 98}),
    ("InfusionCompleted", {"phase": "induction", "dose_mg_per_kg": 0.5, "weight_kg": 72.5, "duration_min": 40,
                           "escort_confirmed": True, "side_effects": ["dissociation"]}),
    ("NoteAdded", {"text": "Tolerated the first infusion well."}),
)
MEASURED_EVENT = ("VitalsRecorded", {"phase": "pre", "systolic": 126, "diastolic": 81, "heart_rate": 68, "spo2": 99})
LONG_JOURNEY_EVENTS = (
    ("VitalsRecorded", {"phase": "during", "systolic": 131, "diastolic": 84, "heart_rate": 74, "spo2": 97}),
    ("ComplementaryCareCheckIn", {"area": "sleep", "adherence": "partial", "notes": "Up at 7 most days."}),
    ("NoteAdded", {"text": "Phoned to confirm the next appointment."}),
)


class Counter(Aggregate):
    """The trivial aggregate the library's cost is measured on: one event, one integer."""

    def __init__(self) -> None:
        self.count = 0

    @event("Incremented")
    def increment(self, by: int) -> None:
        self.count += by


class RawApplication(Application):
    name = "raw"


# -- stores ---------------------------------------------------------------------------------------


@contextmanager
def sqlite_urls() -> Iterator[Callable[[str], str]]:
    with tempfile.TemporaryDirectory(prefix="careplan-bench-") as folder:
        yield lambda name: f"sqlite:///{Path(folder) / name}.sqlite"


@contextmanager
def postgres_urls() -> Iterator[Callable[[str], str]]:
    import psycopg

    made: list[str] = []

    def url(name: str) -> str:
        dbname = f"careplan_bench_{name}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:  # type: ignore[arg-type]
            conn.execute(f'CREATE DATABASE "{dbname}"')
        made.append(dbname)
        return f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{dbname}"

    try:
        yield url
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:  # type: ignore[arg-type]
            for dbname in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def postgres_answers() -> bool:
    try:
        import psycopg

        with psycopg.connect(dbname="postgres", connect_timeout=3, **PG):  # type: ignore[arg-type]
            return True
    except Exception:
        return False


def library_env(url: str) -> dict[str, str]:
    return StoreSettings(url=url).library_env()


class MovingClock:
    """Each reading is a second after the last, so every event is recorded at its own time."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc) - timedelta(days=30)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


# -- (a) recording one event ----------------------------------------------------------------------


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def journey_of_ten(app: CarePlan) -> uuid.UUID:
    journey_id = app.open_journey("MRN-BENCH", actor=CLINICIAN)
    for event_type, data in JOURNEY_OF_TEN:
        app.record(journey_id, event_type, data, actor=CLINICIAN)
    return journey_id


def counter_of_ten(app: RawApplication) -> uuid.UUID:
    counter = Counter()
    for _ in range(9):
        counter.increment(1)
    app.save(counter)
    return counter.id


def bench_record(urls: Callable[[str], str], repeat: int) -> tuple[list[float], list[float]]:
    careplan = CarePlan(StoreSettings(url=urls("careplan")), default_protocols(), clock=MovingClock())
    raw = RawApplication(env=library_env(urls("raw")))
    try:
        journeys = [journey_of_ten(careplan) for _ in range(repeat)]
        counters = [counter_of_ten(raw) for _ in range(repeat)]

        def record_through_careplan(journey_id: uuid.UUID) -> None:
            careplan.record(journey_id, MEASURED_EVENT[0], MEASURED_EVENT[1], actor=CLINICIAN)

        def record_through_library(counter_id: uuid.UUID) -> None:
            counter: Counter = raw.repository.get(counter_id)
            counter.increment(1)
            raw.save(counter)

        ours: list[float] = []
        theirs: list[float] = []
        for n, (journey_id, counter_id) in enumerate(zip(journeys, counters)):
            if n % 2:  # alternate which goes first, so neither always meets a warmer cache
                ours.append(timed(lambda: record_through_careplan(journey_id)))
                theirs.append(timed(lambda: record_through_library(counter_id)))
            else:
                theirs.append(timed(lambda: record_through_library(counter_id)))
                ours.append(timed(lambda: record_through_careplan(journey_id)))
        warmup = max(1, repeat // 10)
        return ours[warmup:], theirs[warmup:]
    finally:
        careplan.close()
        raw.close()


# -- (b) loading a long journey -------------------------------------------------------------------


def long_journey(app: CarePlan, length: int) -> uuid.UUID:
    journey_id = journey_of_ten(app)
    version, n = app.get(journey_id).version, 0
    while version < length:
        event_type, data = LONG_JOURNEY_EVENTS[n % len(LONG_JOURNEY_EVENTS)]
        version = app.record(journey_id, event_type, data, actor=CLINICIAN)
        n += 1
    return journey_id


Loads = tuple[list[float], list[float], list[float]]


def bench_load(urls: Callable[[str], str], repeat: int, length: int) -> Loads:
    """Loads with and without snapshots, and (for a sense of scale) a full view with snapshots."""
    protocols = default_protocols()
    with_snapshots = CarePlan(StoreSettings(url=urls("snap"), snapshot_interval=50), protocols, clock=MovingClock())
    without = CarePlan(StoreSettings(url=urls("nosnap"), snapshot_interval=NO_SNAPSHOTS), protocols, clock=MovingClock())
    try:
        fast_id = long_journey(with_snapshots, length)
        slow_id = long_journey(without, length)
        assert with_snapshots.get(fast_id).version == without.get(slow_id).version == length
        assert list(with_snapshots.snapshots.get(fast_id)) and not list(without.snapshots.get(slow_id))
        fast: list[float] = []
        slow: list[float] = []
        view: list[float] = []
        for _ in range(0, repeat, 10):  # blocks of ten, so a replay's garbage does not land on a load
            fast.extend(timed(lambda: with_snapshots.get(fast_id)) for _ in range(10))
            slow.extend(timed(lambda: without.get(slow_id)) for _ in range(10))
            view.extend(timed(lambda: with_snapshots.view(fast_id)) for _ in range(10))
        return fast, slow, view
    finally:
        with_snapshots.close()
        without.close()


# -- report ---------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def report_record(store: str, ours: list[float], theirs: list[float]) -> bool:
    ratio = median(ours) / median(theirs)
    within = ratio <= 1.5
    print(
        f"[{store}] record one event: careplan {median(ours):.3f} ms, raw library {median(theirs):.3f} ms, "
        f"ratio {ratio:.2f} ({'within' if within else 'OVER'} 1.5x; n={len(ours)})"
    )
    return within


def report_load(store: str, length: int, fast: list[float], slow: list[float], view: list[float]) -> bool:
    under = median(fast) < 2.0
    print(
        f"[{store}] load a journey of {length} events: with snapshots {median(fast):.3f} ms "
        f"({'under' if under else 'OVER'} 2 ms), without {median(slow):.3f} ms, "
        f"ratio {median(slow) / median(fast):.1f}x; its view (load, fold, evaluate) {median(view):.3f} ms "
        f"(n={len(fast)})"
    )
    return under


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    parser.add_argument("--stores", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    args = parser.parse_args(argv)
    record_repeat, load_repeat = (40, 30) if args.quick else (400, 200)
    length = 500
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    met = True
    for store in stores:
        if store == "postgres" and not postgres_answers():
            print(f"[postgres] skipped: no server answers at {PG['host']}:{PG['port']}")
            continue
        urls = sqlite_urls if store == "sqlite" else postgres_urls
        with urls() as url:
            met &= report_record(store, *bench_record(url, record_repeat))
        with urls() as url:
            met &= report_load(store, length, *bench_load(url, load_repeat, length))
    print("all targets met" if met else "some targets missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
