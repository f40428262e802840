"""Where each demo patient stands today: one story per stage of the protocol, up to the work-up.

A story either runs a fixed course (its own random gaps) and then leaves ``slack`` days before now,
so that how many steps are overdue is the story's choice and not an accident of its gaps; or it fills
an ``age`` (a journey opened that long ago) with as much as fits, like maintenance boosters. The
``n``-th patient of a stage takes the stage's variants in turn, so even a small cohort shows each of
them: a contraindication, a taper, an override, a correction, a missed appointment, a safety alert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from random import Random

from careplan.demo import infusions as inf
from careplan.demo.chart import Chart
from careplan.demo.clinic import Workup, acknowledge, assess, baseline, consult, workup

CONSULT_DAYS = 3.0
WORKUP_DAYS = 6.0
READY_DAYS = CONSULT_DAYS + WORKUP_DAYS + 2.0 + 4.0
"""The longest :func:`prepare` takes: consultation, work-up, baseline PHQ-9, first booked session."""
RESPONSE_DAYS = 5.0


@dataclass(frozen=True)
class Story:
    write: Callable[[Chart], None]
    slack: tuple[float, float] | None = None
    """Days between the story's last entry and now, for a story of a fixed course."""
    age: tuple[float, float] | None = None
    """Days since opening, for a story that fills the time it is given."""


def _consult(chart: Chart, eligible: bool = True) -> None:
    chart.wait(days=chart.rng.uniform(0.1, CONSULT_DAYS))
    consult(chart, eligible)


def _baseline(chart: Chart, alert: bool, may_stay_open: bool = False) -> None:
    """The baseline PHQ-9; a self-harm alert it raises is worked before any infusion (the engine
    refuses one while it is open), and may stay open only on a journey that stops before induction."""
    raised = baseline(chart, chart.rng.randint(15, 24), item9=1 if alert else 0)
    if raised and (not may_stay_open or chart.rng.random() < 0.6):
        acknowledge(chart, raised)


def prepare(chart: Chart, plan: Workup | None = None) -> None:
    """Consultation, a work-up (clear unless ``plan`` says otherwise) and the baseline PHQ-9, up to the
    first induction session."""
    rng = chart.rng
    _consult(chart)
    workup(chart, plan or Workup(abnormal_lab=rng.random() < 0.2))
    _baseline(chart, alert=rng.random() < 0.08)
    gap = rng.uniform(1, 4)
    inf.schedule(chart, "induction", gap)
    chart.start_check_ins(14 + rng.uniform(-2, 3))
    chart.move_to(chart.booked)


def weight(rng: Random) -> float:
    return round(rng.uniform(52, 110), 1)


def respond(chart: Chart, total: int, decision: str) -> None:
    """The response-check PHQ-9 and the clinician's decision, a few days after the last infusion."""
    chart.wait(days=chart.rng.uniform(1.05, RESPONSE_DAYS))
    assess(chart, total, "response_check")
    chart.record("ResponseReviewed", {"decision": decision})


def close(chart: Chart, outcome: str, reason: str) -> None:
    chart.check_in_days = None
    chart.wait(days=chart.rng.uniform(0.2, 2))
    chart.record("JourneyClosed", {"outcome": outcome}, reason=reason)


def just_opened(rng: Random, n: int) -> Story:
    """Opened, consultation not yet done; every other one is past the consultation's due date."""
    return Story(lambda chart: None, age=(7.3, 10.0) if n % 2 == 0 else (0.05, 6.5))


def consulted(rng: Random, n: int) -> Story:
    return Story(_consult, slack=(0.1, 10))


WORKUPS = (
    Workup(finding="cardiovascular_disease"),
    Workup(taper=True),
    Workup(finding="substance_use_history", override=True, abnormal_lab=True),
    Workup(labs_pending=True),
    Workup(abnormal_lab=True, labs_pending=True),
)


def screening(rng: Random, n: int) -> Story:
    """Work-up under way: a contraindication, a taper pending, an override, abnormal or pending labs."""
    plan = WORKUPS[n % len(WORKUPS)]

    def write(chart: Chart) -> None:
        _consult(chart)
        workup(chart, plan)

    return Story(write, slack=(0.1, 12))


def baseline_done(rng: Random, n: int) -> Story:
    """Ready for the first infusion, booked for later today, a later day, or missed already."""
    variant = n % 3

    def write(chart: Chart) -> None:
        _consult(chart)
        workup(chart, Workup())
        _baseline(chart, alert=chart.rng.random() < 0.08, may_stay_open=True)
        left = chart.left().total_seconds() / 86400
        if variant == 0:
            days = left + 0.4 / 24  # the next free slot from now: later today while the clinic is open
        elif variant == 1:
            days = left + chart.rng.uniform(1, 6)
        else:
            days = left / 2
        inf.schedule(chart, "induction", days)

    return Story(write, age=(CONSULT_DAYS + WORKUP_DAYS + 2.5, CONSULT_DAYS + WORKUP_DAYS + 9))


TWISTS = (inf.TYPO, inf.STOPPED, inf.HELD, inf.OVERRIDE, None)


def induction_partway(rng: Random, n: int) -> Story:
    """Two to five infusions given; one held, overridden or corrected, or a hold open now."""
    done = 2 + (n + rng.randrange(2)) % 4
    twist = TWISTS[n % len(TWISTS)]
    hold = n % 4 == 0

    def write(chart: Chart) -> None:
        prepare(chart)
        inf.induction(chart, weight(chart.rng), done, twist)
        if hold:
            inf.open_hold(chart)

    return Story(write, slack=(0.05, 1) if hold else (0.1, 9))
