"""The engine's cost on real stores, measured against the eventsourcing library on its own.

    python benchmarks/engine.py [--quick] [--stores sqlite,postgres]

(a) Recording one event as the journey grows: ``CarePlan.record(journey_id, "NoteAdded", ...)`` on
    journeys of 10, 100, 500, 1000 and 2000 events, against the library's own get + one event + save
    of a plain ``Aggregate`` of the same length, both with snapshots every ``SNAPSHOT_INTERVAL``
    events, interleaved in the same run on the same kind of store. Target: ratio within 1.3 at every
    length (a journey's cost per event should not grow faster than the library's).
(b) Loading the 2000-event journey (``CarePlan.get``), once after each event recorded in (a), so the
    loads cover the versions of a whole snapshot interval. Target: under 2 ms.
(c) A late entry beside the in-order one (DESIGN 7.1): a mid-infusion reading charted late, dated
    halfway back through the journey, on the same journeys. It is folded where it happened, so it
    costs a read of the history and a refold (plus the review of the infusions after it); printed
    with its ratio to a refold alone (``PatientJourney.refold`` from ``CarePlan.history``, the load
    not counted). No target: an in-order entry must cost what it did; a late one at most about a refold.

``--smoke`` runs lengths 10 and 100 with a few samples (what the test suite runs, to keep it working).

Only the application's public API (``CarePlan``, ``open_journey``, ``record``, ``get``) touches a
journey, so the script measures whatever the engine's insides are. Journeys are built the fastest
legal way, through ``record`` (nine clinical events as a journey starts, then vitals, check-ins and
notes in turn); the library's aggregates are built in memory and saved at once, which stores the same
snapshots (the library takes one at every multiple of the interval a save crosses).

Each event measured at a length adds one to it: a sample at length L is a record onto L, L+1, ... events,
spread over several journeys of L events where L is short (at most L/10 records per journey), so no
length drifts by more than a tenth (or 1 event, at 10). All journeys are built first, then measured in
rounds over the lengths, so a busy spell of a shared machine falls on every length alike.

Figures are medians in milliseconds. A script, not a test: timings depend on the machine, so they are
printed for a person to read (and copied into the README), never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from careplan.adapters.settings import StoreSettings
from careplan.application import CarePlan
from careplan.domain.values import Actor
from events.protocol_file import default_protocols

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
CLINICIAN = Actor(id="dr-bench", role="clinician")
LENGTHS = (10, 100, 500, 1000, 2000)
SMOKE_LENGTHS = (10, 100)
LOAD_LENGTH = 2000
SNAPSHOT_INTERVAL = 50
"""careplan's default (``CAREPLAN_SNAPSHOT_INTERVAL``), given to both sides."""
RATIO_TARGET = 1.3
LOAD_TARGET_MS = 2.0
NOTE = "Phoned to confirm the next appointment."

JOURNEY_START: tuple[tuple[str, dict[str, Any]], ...] = (
    ("ConsultationCompleted", {"eligible": True, "prior_antidepressant_trials": 3, "psychotherapy_tried": True}),
    ("MedicationReviewed", {"medications": [], "benzodiazepine_diazepam_eq_mg": 0, "taper_required": False}),
    ("ContraindicationScreened", {"findings": []}),
    ("ScreeningOrdered", {"panel": "thyroid"}),
    ("AssessmentRecorded",
     {"instrument": "PHQ9", "total": 16, "items": [2, 2, 2, 2, 2, 2, 2, 2, 0], "context": "baseline"}),
    ("ComplementaryCareGuidanceGiven", {"area": "sleep", "guidance": "Keep a regular wake time."}),
    ("VitalsRecorded", {"phase": "pre", "systolic": 124, "diastolic": 80, "heart_rate": 70, "spo2": 98}),
    ("InfusionCompleted", {"phase": "induction", "dose_mg_per_kg": 0.5, "weight_kg": 72.5, "duration_min": 40,
                           "escort_confirmed": True, "side_effects": ["dissociation"]}),
    ("NoteAdded", {"text": "Tolerated the first infusion well."}),
)
"""With ``JourneyOpened``, a journey of ten events."""
JOURNEY_LATER = (
    ("VitalsRecorded", {"phase": "during", "systolic": 131, "diastolic": 84, "heart_rate": 74, "spo2": 97}),
    ("ComplementaryCareCheckIn", {"area": "sleep", "adherence": "partial", "notes": "Up at 7 most days."}),
    ("NoteAdded", {"text": NOTE}),
)
LATE_READING = {"phase": "during", "systolic": 128, "diastolic": 82, "heart_rate": 72, "spo2": 98}


class Counter(Aggregate):
    """The plain aggregate the library's cost is measured on: one event, an integer and a text."""

    def __init__(self) -> None:
        self.count = 0
        self.text = ""

    @event("NoteAdded")
    def add_note(self, text: str) -> None:
        self.count += 1
        self.text = text


class RawApplication(Application[uuid.UUID]):
    name = "raw"
    snapshotting_intervals = {Counter: SNAPSHOT_INTERVAL}


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


class MovingClock:
    """Each reading is a second after the last, so every event is recorded at its own time."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) - timedelta(days=30)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


# -- building -------------------------------------------------------------------------------------


def journey_of(app: CarePlan, length: int) -> uuid.UUID:
    # The first events are charted over the two hours before now, so that the infusion (charted at its
    # end, now) starts 40 minutes after its pre-infusion vitals were taken (DESIGN 7.1).
    base = app.clock() - timedelta(hours=2)
    journey_id = app.open_journey(f"MRN-BENCH-{uuid.uuid4().hex[:8]}", actor=CLINICIAN, occurred_at=base)
    version, n = 1, 0
    while version < length:
        event_type, data = JOURNEY_START[n] if n < len(JOURNEY_START) else JOURNEY_LATER[n % len(JOURNEY_LATER)]
        early = n < len(JOURNEY_START) and event_type != "InfusionCompleted"
        when = base + timedelta(minutes=n + 1) if early else None
        version = app.record(journey_id, event_type, data, actor=CLINICIAN, occurred_at=when)
        n += 1
    return journey_id


def counter_of(app: RawApplication, length: int) -> uuid.UUID:
    counter = Counter()
    for _ in range(length - 1):
        counter.add_note(NOTE)
    app.save(counter)
    return counter.id


# -- measuring ------------------------------------------------------------------------------------


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


@dataclass
class Sample:
    """The journeys and counters of one length, and what recording onto them cost."""

    length: int
    pairs: list[tuple[uuid.UUID, uuid.UUID]]
    ours: list[float] = field(default_factory=list)
    theirs: list[float] = field(default_factory=list)
    late: list[float] = field(default_factory=list)
    refolds: list[float] = field(default_factory=list)


@dataclass
class Apps:
    careplan: CarePlan
    raw: RawApplication

    def record_through_careplan(self, journey_id: uuid.UUID) -> None:
        self.careplan.record(journey_id, "NoteAdded", {"text": NOTE}, actor=CLINICIAN)

    def record_late(self, journey_id: uuid.UUID, opened_at: datetime) -> None:
        """A reading charted late: dated halfway between the journey's opening and now."""
        when = opened_at + (self.careplan.clock() - opened_at) / 2
        self.careplan.record(journey_id, "VitalsRecorded", LATE_READING, actor=CLINICIAN, occurred_at=when)

    def refold(self, journey_id: uuid.UUID) -> float:
        """A refold from the history the store holds, the journey already loaded (not timed)."""
        journey = self.careplan.get(journey_id)
        return timed(lambda: journey.refold(self.careplan.history(journey_id, upto=journey.version), self.careplan.protocol))

    def record_through_library(self, counter_id: uuid.UUID) -> None:
        counter: Counter = self.raw.repository.get(counter_id)
        counter.add_note(NOTE)
        self.raw.save(counter)


def prepare(apps: Apps, length: int, samples: int) -> Sample:
    """Enough journeys (and counters) of ``length`` that none gets more than a tenth of it added."""
    per_journey = max(1, min(samples, length // 10))
    count = -(-samples // per_journey)
    return Sample(length, [(journey_of(apps.careplan, length), counter_of(apps.raw, length)) for _ in range(count)])


def measure(apps: Apps, lengths: list[Sample], samples: int) -> list[float]:
    """``samples`` events recorded on each side at each length, in rounds over the lengths, so a busy
    spell of the machine falls on every length alike; within a pair the side that goes first alternates,
    so neither always meets a warmer cache. Returns the loads of the longest journey, after each event."""
    loads: list[float] = []
    for n in range(samples):
        for sample in lengths:
            journey_id, counter_id = sample.pairs[n % len(sample.pairs)]
            if n % 2:
                sample.ours.append(timed(partial(apps.record_through_careplan, journey_id)))
                sample.theirs.append(timed(partial(apps.record_through_library, counter_id)))
            else:
                sample.theirs.append(timed(partial(apps.record_through_library, counter_id)))
                sample.ours.append(timed(partial(apps.record_through_careplan, journey_id)))
            if sample.length == LOAD_LENGTH:
                loads.extend(timed(partial(apps.careplan.get, journey_id)) for _ in range(5))
            opened = apps.careplan.get(journey_id).chart.opened_at
            assert opened is not None
            sample.late.append(timed(partial(apps.record_late, journey_id, opened)))
            sample.refolds.append(apps.refold(journey_id))
    return loads


def warm_up(apps: Apps) -> None:
    """First calls pay for imports, prepared statements and caches: not what is measured."""
    journey_id, counter_id = journey_of(apps.careplan, 10), counter_of(apps.raw, 10)
    for _ in range(10):
        apps.record_through_careplan(journey_id)
        apps.record_through_library(counter_id)
        apps.careplan.get(journey_id)


def bench_store(
    urls: Callable[[str], str], samples: int, lengths: tuple[int, ...] = LENGTHS
) -> tuple[list[Sample], list[float]]:
    settings = StoreSettings(url=urls("careplan"), snapshot_interval=SNAPSHOT_INTERVAL)
    careplan = CarePlan(settings, default_protocols(open_on="1"), clock=MovingClock())
    raw = RawApplication(env=StoreSettings(url=urls("raw")).library_env())
    apps = Apps(careplan, raw)
    try:
        warm_up(apps)
        results = [prepare(apps, n, samples) for n in lengths]
        return results, measure(apps, results, samples)
    finally:
        careplan.close()
        raw.close()


# -- report ---------------------------------------------------------------------------------------


def report(store: str, results: list[Sample], loads: list[float]) -> bool:
    met = True
    print(f"[{store}] record one NoteAdded, medians; snapshots every {SNAPSHOT_INTERVAL} events on both sides")
    print(f"{'length':>7} {'careplan ms':>12} {'raw ms':>8} {'ratio':>6}  target <= {RATIO_TARGET}   samples")
    for s in results:
        ours, theirs = statistics.median(s.ours), statistics.median(s.theirs)
        ratio = ours / theirs
        within = ratio <= RATIO_TARGET
        met &= within
        print(
            f"{s.length:>7} {ours:>12.3f} {theirs:>8.3f} {ratio:>6.2f}  {'met' if within else 'MISSED':<13} "
            f"{len(s.ours)} on {len(s.pairs)} journey{'s' * (len(s.pairs) > 1)}"
        )
    print(f"[{store}] a late entry beside an in-order one, medians (a reading dated halfway back)")
    print(f"{'length':>7} {'in order ms':>12} {'late ms':>8} {'refold ms':>10} {'late/refold':>12} {'extra/refold':>13}")
    for s in results:
        ours, late, refold = statistics.median(s.ours), statistics.median(s.late), statistics.median(s.refolds)
        print(
            f"{s.length:>7} {ours:>12.3f} {late:>8.3f} {refold:>10.3f} {late / refold:>12.2f} "
            f"{(late - ours) / refold:>13.2f}"
        )
    print(
        "  (extra: what a late entry costs beyond an in-order one: the history read, the refold and the"
        " review, and the snapshot written after it so later loads need no refold; the save is in both)"
    )
    if not loads:
        return met
    load = statistics.median(loads)
    under = load < LOAD_TARGET_MS
    print(
        f"[{store}] load a {LOAD_LENGTH}-event journey (CarePlan.get): {load:.3f} ms median "
        f"(target < {LOAD_TARGET_MS:g} ms: {'met' if under else 'MISSED'}; n={len(loads)})"
    )
    return met and under


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples per length (a smoke run)")
    parser.add_argument("--stores", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--smoke", action="store_true", help="lengths 10 and 100, a few samples (the test suite's run)")
    args = parser.parse_args(argv)
    samples = 3 if args.smoke else 20 if args.quick else SNAPSHOT_INTERVAL  # a whole interval: every position after a snapshot
    lengths = SMOKE_LENGTHS if args.smoke else LENGTHS
    met = True
    for store in (s.strip() for s in args.stores.split(",") if s.strip()):
        if store == "postgres" and not postgres_answers():
            print(f"\n[postgres] skipped: no server answers at {PG['host']}:{PG['port']}")
            continue
        started = time.perf_counter()
        print(f"\n[{store}] load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (busier: noisier)")
        with (sqlite_urls if store == "sqlite" else postgres_urls)() as urls:
            met &= report(store, *bench_store(urls, samples, lengths))
        print(f"[{store}] ({time.perf_counter() - started:.0f} s, building the journeys included)")
    print("\nall targets met" if met else "\nsome targets missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
