"""One course (journey) as the outcomes report reads it, from its outcome facts as known at a moment.

"As known on a day" is bitemporal: a fact counts only if it was recorded by then, and a correction
counts only if it was recorded by then too, so an infusion entered in error a week later still counts
in a report as of the day before the correction. What was known is then read in clinical order
(``occurred_at``, ties by version), as the chart reads it (DESIGN 7.1).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from events.read.outcomes.facts import (
    CLOSED,
    COMPLETED,
    CONSULTED,
    DEVIATION,
    ERRORED,
    MIGRATED,
    OPENED,
    PHQ9,
    REVIEWED,
    STOPPED,
    VITALS_ALERT,
    OutcomeFact,
)

DAY = 86_400.0
WEEK = 7 * DAY


@dataclass
class Course:
    protocol: str
    version: int
    synthetic: bool = False
    induction_starts: list[float] = field(default_factory=list)
    """Starts of the induction administrations (completed or stopped), in clinical order."""
    induction_completed: int = 0
    administrations: int = 0
    """Every administration, completed or stopped, induction or maintenance."""
    stops: Counter[str] = field(default_factory=Counter)
    vitals_alerts: int = 0
    deviations: int = 0
    consulted_at: float | None = None
    baseline: int | None = None
    at_check: int | None = None
    """The PHQ-9 of the response check: the latest with context ``response_check``, else the latest
    after the first infusion up to the first review."""
    maintenance_from: tuple[float, int] | None = None
    """Where in clinical order the decision for maintenance stands, if one was made."""
    closed: bool = False
    phq9: list[tuple[float, int, int, str]] = field(default_factory=list)
    """(occurred, total, version, context) of each PHQ-9, in clinical order."""

    @property
    def maintenance(self) -> bool:
        return self.maintenance_from is not None

    def relapsed(self, at_least: int) -> bool:
        """A PHQ-9 after the decision for maintenance (the response check's own is what the decision
        was made on, not a relapse) at or above the protocol's ``relapse_phq9_at_least``."""
        since = self.maintenance_from
        return since is not None and any(
            (o, v) > since and context != "response_check" and total >= at_least for o, total, v, context in self.phq9
        )

    @property
    def started(self) -> bool:
        return bool(self.induction_starts)

    @property
    def first_infusion(self) -> float | None:
        return self.induction_starts[0] if self.induction_starts else None


def known(facts: list[OutcomeFact], as_of: float | None) -> list[OutcomeFact]:
    """The facts recorded by ``as_of`` that no correction recorded by then withdrew, in clinical order
    (the view keeps each journey's facts in that order)."""
    seen = facts if as_of is None else [f for f in facts if f[2] <= as_of]
    withdrawn = {f[4] for f in seen if f[0] == ERRORED}
    if not withdrawn:  # no correction known: no correction fact either
        return seen
    return [f for f in seen if f[0] != ERRORED and f[1] not in withdrawn]


def course_of(facts: list[OutcomeFact], as_of: float | None) -> Course | None:
    """The course as known at ``as_of`` (None: not yet opened then)."""
    live = known(facts, as_of)
    opening = next((f for f in live if f[0] == OPENED), None)
    if opening is None:
        return None
    course = Course(opening[4], opening[5], synthetic=bool(opening[6]) if len(opening) > 6 else False)
    for f in sorted((f for f in live if f[0] == MIGRATED), key=lambda f: f[1]):
        course.version = f[5]
    consultations: list[float] = []
    reviews: list[OutcomeFact] = []
    for f in live:
        kind = f[0]
        if kind == COMPLETED:
            course.administrations += 1
            if f[4] == "induction":
                course.induction_completed += 1
                course.induction_starts.append(f[3] - 60 * f[5])
        elif kind == STOPPED:
            course.administrations += 1
            course.stops[f[5][0] or "other"] += 1
            if f[4] == "induction":
                course.induction_starts.append(f[3] - 60 * f[5][1])
        elif kind == PHQ9:
            course.phq9.append((f[3], f[4], f[1], f[5]))
        elif kind == CONSULTED:
            consultations.append(f[3])
        elif kind == REVIEWED:
            reviews.append(f)
        elif kind == VITALS_ALERT:
            course.vitals_alerts += 1
        elif kind == DEVIATION:
            course.deviations += 1
        elif kind == CLOSED:
            course.closed = True
    course.induction_starts.sort()
    _assessments(course, live, consultations, reviews)
    return course


def _assessments(course: Course, live: list[OutcomeFact], consultations: list[float], reviews: list[OutcomeFact]) -> None:
    first = course.first_infusion
    before = [c for c in consultations if first is None or c <= first]
    course.consulted_at = before[-1] if before else None
    phq9 = [f for f in live if f[0] == PHQ9]
    if first is None:
        return
    baseline = [f for f in phq9 if f[3] < first]
    course.baseline = baseline[-1][4] if baseline else None
    after = [f for f in phq9 if f[3] >= first]
    checks = [f for f in after if f[5] == "response_check"]
    if checks:
        course.at_check = checks[-1][4]
    elif reviews:
        upto = (reviews[0][3], reviews[0][1])
        within = [f for f in after if (f[3], f[1]) <= upto]
        course.at_check = within[-1][4] if within else None
    decided = next((r for r in reviews if r[4] == "maintenance"), None)
    if decided is not None:
        course.maintenance_from = (decided[3], decided[1])


def week_of(course: Course, occurred: float) -> int:
    """0 before the first infusion, then 1 for its first seven days, 2 for the next seven, ..."""
    first = course.first_infusion
    assert first is not None
    return 0 if occurred < first else int((occurred - first) // WEEK) + 1
