"""A synthetic cohort: N pseudonymous patients spread over every stage of the protocol.

Deterministic for a seed and a ``now``: the first patients take one stage each (so a cohort of
``len(STAGES)``, 19, already shows every stage), the rest are drawn with weights like a busy clinic's census. A story of
a fixed course is run dry first, to learn how far back its journey must open to end ``slack`` days
before now; a dry run records nothing and costs little next to the real one.

Each journey is written in memory on its aggregate (the rules judge every entry) and saved with the
application's ordinary ``save``, a batch of journeys per transaction: one commit per entry would
make a 10,000-patient cohort (about 230,000 events) take many times longer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time
from random import Random

from careplan.application import DEFAULT_PROTOCOL, CarePlan
from careplan.demo import departures, outcomes, stories
from careplan.demo.chairs import ChairPlan
from careplan.demo.chart import CLINICIAN, Chart, RanPastNow
from careplan.demo.people import demo_details
from careplan.demo.stories import Story
from careplan.demo.versions import VERSION_MIX, VersionMix, stage_plan, usable
from careplan.domain.clinic import WEEKDAYS, Hours, clinic
from careplan.domain.protocol import Protocol

Plan = Callable[[Random, int], Story]
STAGES: tuple[tuple[str, Plan, int], ...] = (
    ("just_opened", stories.just_opened, 8),
    ("consulted", stories.consulted, 6),
    ("screening", stories.screening, 12),
    ("baseline_done", stories.baseline_done, 8),
    ("induction", stories.induction_partway, 16),
    ("absolute_override", departures.absolute_override, 2),
    ("self_harm", departures.self_harm, 3),
    ("missed", departures.missed, 4),
    ("deviation", departures.deviation, 3),
    ("in_the_chair", departures.in_the_chair, 2),
    ("found_mid_series", departures.found_mid_series, 1),
    ("awaiting_response", outcomes.awaiting_response, 6),
    ("maintenance", outcomes.maintenance, 18),
    ("extended_induction", outcomes.extended, 3),
    ("discontinued", outcomes.discontinued, 5),
    ("ineligible", outcomes.ineligible, 5),
    ("paused", outcomes.paused, 4),
    ("closed", outcomes.closed, 9),
    ("second_course", departures.second_course, 3),
)
"""(stage, story, weight in the census)."""
BATCH = 100
DRY_RUN_AGE = timedelta(days=1000)
"""Where a dry run starts: long enough ago that no story reaches now."""


@dataclass(frozen=True)
class CohortReport:
    patients: int
    journeys: int
    """More than ``patients`` when some patients are on a second course."""
    events: int
    seconds: float
    stages: dict[str, int]

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def patient_ref(number: int) -> str:
    """A pseudonym, never a name."""
    return f"DEMO-{number:06d}"


def stage_order(patients: int, seed: int) -> list[int]:
    """Which stage each patient is at: one of each first, then drawn by weight (one protocol version)."""
    return [stage for stage, _ in stage_plan([(name, w) for name, _, w in STAGES], patients, seed, ())]


def cohort_plan(
    app: CarePlan, patients: int, seed: int, mix: tuple[VersionMix, ...] = VERSION_MIX
) -> list[tuple[int, int | None]]:
    """(stage, protocol version) of each patient, over the versions of ``mix`` the application knows
    (None: the latest, when it knows none of them)."""
    known = {p.version for p in app.protocols if p.id == DEFAULT_PROTOCOL}
    return stage_plan([(name, w) for name, _, w in STAGES], patients, seed, usable(mix, known))


def write_journey(
    app: CarePlan, number: int, stage: int, n: int, seed: int, now: datetime, chairs: ChairPlan | None = None,
    version: int | None = None,
) -> Chart:
    """The ``number``-th patient, the ``n``-th at this stage, written on a journey not yet saved, on
    ``version`` of the default protocol (its latest when None)."""
    rng = Random(f"careplan-demo-{seed}-{number}")
    story = STAGES[stage][1](rng, n)
    adopted = app.protocol(DEFAULT_PROTOCOL, opening=True)
    protocol = app.protocol(DEFAULT_PROTOCOL, version) if version is not None else adopted
    # A patient on an older version than the clinic opens new journeys on started before the clinic
    # adopted it (DESIGN 7.6): some of them are moved, with the migration's report in their timeline.
    if story.age is not None:
        age = timedelta(days=rng.uniform(*story.age))
    else:
        assert story.slack is not None
        slack = timedelta(days=rng.uniform(*story.slack))
        before = rng.getstate()
        dry = Chart(protocol, app.protocol, rng, "", now - DRY_RUN_AGE, now, dry=True)
        story.write(dry)
        rng.setstate(before)
        age = dry.t - dry.opened_at + slack
    start = rng.getstate()
    for earlier in EARLIER_TRIES:
        # Real bookings wait for free chairs, which the dry run can only bound: a story that still runs
        # past now is written again, the same draws, from a journey opened that much earlier.
        rng.setstate(start)
        opened = (now - age - earlier).replace(second=0, microsecond=0)
        chart = Chart(protocol, app.protocol, rng, patient_ref(number), opened, now)
        if chairs is not None:
            chart.book = chairs.book
        try:
            story.write(chart)
        except RanPastNow:
            continue
        chart.catch_up()
        if adopted.version > protocol.version and number % 10 == 0:
            migrate(chart, adopted, app)
        return chart
    raise RanPastNow(f"demo patient {number}'s story does not fit before now")


def migrate(chart: Chart, to: Protocol, app: CarePlan) -> None:
    """Moves an open journey to the version the clinic adopted, its report kept in the timeline."""
    journey = chart.journey
    if journey is None or journey.chart.closed is not None:
        return
    journey.migrate(
        to, actor=CLINICIAN, reason="The clinic adopted the new protocol version.", now=chart.now,
        resolve=app.protocol, confirm=True,
    )
    chart.version = journey.version


EARLIER_TRIES = (timedelta(0), timedelta(days=1), timedelta(days=3), timedelta(days=7))

SEED_CLINIC = clinic("UTC", {day: Hours(clock_time(9), clock_time(17)) for day in WEEKDAYS}, 4)
"""The packaged clinic's hours (the seed clinic: 9:00 to 17:00 every day, 4 chairs), for an application
built without a chair ledger."""


def generate(
    app: CarePlan,
    patients: int,
    seed: int,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
    mix: tuple[VersionMix, ...] = VERSION_MIX,
) -> CohortReport:
    """Writes the cohort into ``app``'s store; ``progress(done, total)`` is told after each batch.
    ``mix``: the protocol versions patients are opened on, and how each version's patients fare."""
    started = time.perf_counter()
    seen = [0] * len(STAGES)
    events = journeys = 0
    batch: list[Chart] = []
    chairs = ChairPlan(app.chairs.clinic if app.chairs else SEED_CLINIC)
    for number, (stage, version) in enumerate(cohort_plan(app, patients, seed, mix), start=1):
        chart = write_journey(app, number, stage, seen[stage], seed, now, chairs, version)
        if chart.index is not None:  # who the patient is, for the banner (synthetic, DESIGN 7.3)
            chart.index.record_details(demo_details(number, seed, now.date()), actor_id="demo", actor_role="coordinator")
        batch.append(chart)
        seen[stage] += 1
        if len(batch) == BATCH or number == patients:
            events += sum(chart.events for chart in batch)
            journeys += sum(len(chart.journeys) for chart in batch)
            # Each patient's courses and the index that says which one is open, in one transaction.
            app.save(*(aggregate for chart in batch for aggregate in (*chart.journeys, chart.index)))
            if app.chairs:
                for chart in batch:
                    for journey in chart.journeys:
                        app.chairs.adopt(journey)
            batch.clear()
            if progress is not None:
                progress(number, patients)
    stages = {name: count for (name, _, _), count in zip(STAGES, seen)}
    return CohortReport(patients, journeys, events, time.perf_counter() - started, stages)
