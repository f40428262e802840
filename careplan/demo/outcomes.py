"""Stories of the later stages: the response check, maintenance, and journeys that stop.

Same shape as ``stories.py``: choose the variant, then write it; see there for ``slack`` and ``age``.
"""

from __future__ import annotations

from random import Random

from careplan.demo import infusions as inf
from careplan.demo.chart import Chart
from careplan.demo.clinic import assess
from careplan.demo.stories import READY_DAYS, RESPONSE_DAYS, Story, _consult, close, prepare, respond, weight

REVIEWED = READY_DAYS + inf.series_days(6, inf.HELD) + RESPONSE_DAYS + 0.1
"""The longest it takes from opening to the response review."""
PAUSE_REASONS = (
    "Patient travelling for three weeks.",
    "Awaiting a cardiology opinion.",
    "Admitted to hospital for an unrelated condition.",
)


def _series(chart: Chart, sessions: int = 6) -> None:
    prepare(chart)
    twist = chart.rng.choice((None, None, None, inf.HELD, inf.OVERRIDE))
    inf.induction(chart, weight(chart.rng), sessions, twist, book_next=sessions < 6)


def awaiting_response(rng: Random, n: int) -> Story:
    """Six infusions given, the response check still to do (overdue a week after the last one)."""
    alert = n % 2 == 0

    def write(chart: Chart) -> None:
        _series(chart)
        if alert:  # a PHQ-9 at the last visit shows thoughts of self-harm; nobody has acknowledged it yet
            assess(chart, chart.rng.randint(8, 14), "other", item9=1)

    return Story(write, slack=(0.1, 10))


def maintenance(rng: Random, n: int) -> Story:
    """On boosters until now; some relapsing (PHQ-9 back at 10 or more), some who stopped coming."""
    relapse, lapse = n % 3 == 0, n % 4 == 2
    weeks = rng.choice((3, 4, 4, 4, 6))

    def write(chart: Chart) -> None:
        _series(chart)
        respond(chart, chart.rng.randint(2, 8), "maintenance")
        chart.record("MaintenanceIntervalSet", {"weeks": weeks})
        inf.maintenance(chart, weight(chart.rng), weeks, lapse)
        if lapse:
            chart.check_in_days = None
        if relapse and chart.left().days >= 1:
            chart.wait(days=chart.rng.uniform(0.5, min(chart.left().days, 10)))
            assess(chart, chart.rng.randint(11, 17), "maintenance")

    return Story(write, age=(REVIEWED + 1, 120))


def extended(rng: Random, n: int) -> Story:
    """A partial response: the induction is extended and under way again."""

    def write(chart: Chart) -> None:
        _series(chart)
        respond(chart, chart.rng.randint(10, 13), "extend_induction")
        chart.wait(days=2.1)
        inf.induction(chart, weight(chart.rng), 1 + n % 2, None)

    return Story(write, slack=(0.1, 9))


def discontinued(rng: Random, n: int) -> Story:
    """No response to the series; half are closed, half wait for someone to close them."""

    def write(chart: Chart) -> None:
        _series(chart)
        respond(chart, chart.rng.randint(16, 22), "discontinue")
        chart.check_in_days = None
        if n % 2 == 0:
            close(chart, "discontinued", "No response to the induction series.")

    return Story(write, slack=(0.2, 40) if n % 2 == 0 else (0.2, 5))


def ineligible(rng: Random, n: int) -> Story:
    def write(chart: Chart) -> None:
        _consult(chart, eligible=False)
        if n % 2 == 0:
            close(chart, "other", "Not eligible: fewer than two adequate antidepressant trials.")

    return Story(write, slack=(0.1, 40) if n % 2 == 0 else (0.1, 5))


def paused(rng: Random, n: int) -> Story:
    """Paused before or during induction, with the reason on record."""
    sessions = n % 3

    def write(chart: Chart) -> None:
        if sessions:
            _series(chart, sessions)
        else:
            prepare(chart)
        chart.check_in_days = None
        chart.wait(days=chart.rng.uniform(0.5, 2))
        chart.record("JourneyPaused", {}, reason=PAUSE_REASONS[n % len(PAUSE_REASONS)])

    return Story(write, slack=(0.1, 20))


def closed(rng: Random, n: int) -> Story:
    """Closed: maintenance finished, transferred to another clinic after the series, or stopped at the
    patient's wish after the first infusion."""
    outcome = ("completed", "transferred", "other")[n % 3]

    def write(chart: Chart) -> None:
        if outcome == "other":  # stopped after the first infusion (the outcomes report counts them)
            prepare(chart)
            inf.induction(chart, weight(chart.rng), 1, None, book_next=False)
            close(chart, "other", "Patient chose to stop treatment after the first infusion.")
            return
        _series(chart)
        if outcome == "completed":
            respond(chart, chart.rng.randint(1, 4), "maintenance")
            chart.record("MaintenanceIntervalSet", {"weeks": 4})
            inf.booster(chart, weight(chart.rng), 4)
            close(chart, "completed", "Maintenance plan finished; care returned to the GP.")
        else:
            close(chart, "transferred", "Moved to another clinic.")

    return Story(write, slack=(0.2, 50))
