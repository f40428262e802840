"""The outcomes report: per protocol version, what the clinic's courses came to, as known at a moment.

Read from the outcomes view (``events.read.outcomes.view``): a few facts per journey, never a replay,
so the report costs what it shows. Percentages of response and remission are over the courses that
reached the response check (DESIGN 7.9), and a remission counts as a response too. Medians are of
courses (each course's figure once).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from careplan.domain.protocol import Protocol
from events.read.outcomes.courses import DAY, Course, course_of, week_of
from events.read.outcomes.facts import OutcomeFact

LITERATURE = {
    "source": "Murrough et al. 2013, Biological Psychiatry 74(4):250-256",
    "infusions": 6,
    "response_pct": 70.8,
    "sentence": "Six infusions over 12 days: 70.8 % response (Murrough et al. 2013).",
}
"""The literature line the report shows beside the clinic's response rate."""
WEEKS = 12
"""The median PHQ-9 is given by week from baseline (week 0) to this week after the first infusion."""
STOP_CAUSES = ("hypertension", "tachycardia", "desaturation", "dissociation", "nausea", "patient_request", "other")

Resolve = Callable[[str, int], Protocol | None]


@dataclass
class VersionOutcomes:
    """The figures of one (protocol, version)."""

    protocol: str
    version: int
    target: int
    courses: list[Course] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        c = self.courses
        started = [x for x in c if x.started]
        reached = [x for x in started if x.at_check is not None]
        administrations = sum(x.administrations for x in c)
        stops: Counter[str] = Counter()
        for x in c:
            stops.update(x.stops)
        maintenance = [x for x in c if x.maintenance]
        return {
            "protocol": self.protocol,
            "version": self.version,
            "synthetic_courses": sum(1 for x in c if x.synthetic),
            "courses_opened": len(c),
            "induction_started": share(len(started), len(c)),
            "induction_completed": share(sum(1 for x in started if x.induction_completed >= self.target), len(started)),
            "stopped_after_first_infusion": share(
                sum(1 for x in started if len(x.induction_starts) == 1 and x.closed), len(started)
            ),
            "reached_response_check": len(reached),
            "response": share(sum(1 for x in reached if self.responded(x)), len(reached)),
            "remission": share(sum(1 for x in reached if self.remitted(x)), len(reached)),
            "median_phq9_change": _median(
                [x.at_check - x.baseline for x in reached if x.at_check is not None and x.baseline is not None]
            ),
            "median_days_consultation_to_first_infusion": _median(
                [(x.first_infusion - x.consulted_at) / DAY for x in started if x.first_infusion and x.consulted_at]
            ),
            "administrations": administrations,
            "stops": {cause: {"n": stops[cause], "per_100": per_100(stops[cause], administrations)}
                      for cause in (*STOP_CAUSES, *sorted(set(stops) - set(STOP_CAUSES)))},
            "vitals_alerts": {"n": sum(x.vitals_alerts for x in c), "per_100": per_100(sum(x.vitals_alerts for x in c), administrations)},
            "deviations": {"n": sum(x.deviations for x in c), "per_100": per_100(sum(x.deviations for x in c), administrations)},
            "maintenance": {
                "courses": len(maintenance),
                "relapsed": share(sum(1 for x in maintenance if x.relapsed(self.relapse_at)), len(maintenance)),
            },
            "infusions_completed": self.retention(started),
            "median_phq9_by_week": self.by_week(started),
        }

    def responded(self, x: Course) -> bool:
        if self.remitted(x):
            return True
        if x.baseline is None or x.baseline == 0 or x.at_check is None:
            return False
        return (x.baseline - x.at_check) * 100 >= self.drop_pct * x.baseline

    def remitted(self, x: Course) -> bool:
        return x.at_check is not None and x.at_check < self.remission_below

    drop_pct: float = 50
    remission_below: int = 5
    relapse_at: int = 10

    def retention(self, started: list[Course]) -> list[dict[str, int]]:
        """Courses by induction infusions completed: how many completed exactly k (k = 0 .. target,
        the last also holding more), and how many at least k (the retention curve)."""
        counts = Counter(min(x.induction_completed, self.target) for x in started)
        at_least = len(started)
        rows = []
        for k in range(self.target + 1):
            rows.append({"infusions": k, "courses": counts[k], "at_least": at_least})
            at_least -= counts[k]
        return rows

    def by_week(self, started: list[Course]) -> list[dict[str, Any]]:
        """The median of each course's latest PHQ-9 in each week (week 0: the baseline)."""
        weeks: dict[int, list[int]] = {}
        for x in started:
            latest: dict[int, int] = {}
            for occurred, total, _, _ in x.phq9:
                week = week_of(x, occurred)
                if week <= WEEKS:
                    latest[week] = total
            for week, total in latest.items():
                weeks.setdefault(week, []).append(total)
        return [{"week": w, "median": _median(weeks[w]), "courses": len(weeks[w])} for w in sorted(weeks)]


def share(n: int, of: int) -> dict[str, Any]:
    return {"n": n, "of": of, "pct": None if of == 0 else round(100 * n / of, 1)}


def per_100(n: int, administrations: int) -> float | None:
    return None if administrations == 0 else round(100 * n / administrations, 1)


def _median(values: list[float] | list[int]) -> float | None:
    return None if not values else round(float(median(values)), 1)


def outcomes(
    journeys: Iterable[list[OutcomeFact]],
    resolve: Resolve,
    as_of: datetime | None = None,
    protocol: str | None = None,
    version: int | None = None,
) -> dict[str, Any]:
    """The report's document (what the API answers; the CLI and the page show it)."""
    moment = None if as_of is None else as_of.timestamp()
    groups: dict[tuple[str, int], VersionOutcomes] = {}
    for facts in journeys:
        course = course_of(facts, moment)
        if course is None or (protocol and course.protocol != protocol) or (version and course.version != version):
            continue
        key = (course.protocol, course.version)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _group(key, resolve)
        group.courses.append(course)
    return {
        "as_of": None if as_of is None else as_of.isoformat(),
        "literature": LITERATURE,
        "versions": [groups[key].as_dict() for key in sorted(groups)],
    }


def _group(key: tuple[str, int], resolve: Resolve) -> VersionOutcomes:
    found = resolve(*key)
    group = VersionOutcomes(key[0], key[1], found.induction.infusions if found else 6)
    if found is not None:
        group.drop_pct = found.response_check.response_drop_pct
        group.remission_below = found.response_check.remission_below
        group.relapse_at = found.maintenance.relapse_phq9_at_least
    return group
