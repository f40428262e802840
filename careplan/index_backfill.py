"""Index entries for journeys opened before the patient index existed (``careplan index backfill``).

The one-open-journey-per-reference rule reads the reference's ``PatientIndex``; a journey opened
before the index existed has no entry, so the rule cannot see it and a second course could be opened
beside it. The backfill walks every journey in the store's notification log (the order the store
took their openings), groups them by patient reference and records, per reference, what the index
is missing: its earlier journeys (closed ones too, so "Previous course" and the next course's
default ``previous_journey_id`` follow the real order) and, if it holds no open journey, the open
one. It is idempotent: a reference whose index already holds every journey and the open one is not
written, so a second run records nothing.

Two or more open journeys for one reference (possible only from before the index) cannot both be
the open one. The backfill indexes the most recently opened (by the opening's clinical time, then
by the store's order), because that is the course the clinic is working on now, and reports every
one of them so that a person closes the one that should not be open: the backfill never closes a
journey, which is a clinical decision with a reason. An open journey the index already holds is
left alone whatever else is found; a journey left unindexed is named in the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from careplan.application import CarePlan
from careplan.domain.patient_index import PatientIndex

RETRIES = 20


@dataclass(frozen=True)
class Course:
    journey_id: UUID
    opened_at: datetime
    is_open: bool


@dataclass(frozen=True)
class Duplicate:
    """More than one open journey for one reference: which one the index holds, and the others."""

    indexed: Course
    others: tuple[Course, ...]
    already_indexed: bool
    """True when the index held ``indexed`` before this run (it is then left alone)."""


@dataclass
class BackfillReport:
    journeys: int = 0
    """Journeys read."""
    references: int = 0
    """References whose index was written (or would be, in a dry run)."""
    added: list[Course] = field(default_factory=list)
    """Journeys taken into an index, in the order they were taken in."""
    opened: list[Course] = field(default_factory=list)
    """Open journeys the index now holds as the reference's open one."""
    duplicates: list[Duplicate] = field(default_factory=list)


def backfill(app: CarePlan, dry_run: bool = False, progress: Callable[[int, int], None] | None = None) -> BackfillReport:
    """Records the missing index entries; with ``dry_run`` only reports what it would record."""
    by_reference: dict[str, list[Course]] = {}
    ids = list(app.journey_ids())
    report = BackfillReport(journeys=len(ids))
    for done, journey_id in enumerate(ids, start=1):
        journey = app.get(journey_id)
        opened_at = journey.chart.opened_at or journey.created_on
        course = Course(journey_id, opened_at, journey.chart.closed is None)
        by_reference.setdefault(journey.patient_ref, []).append(course)
        if progress is not None and (done % 500 == 0 or done == len(ids)):
            progress(done, len(ids))
    for reference, courses in by_reference.items():
        _index(app, reference, courses, report, dry_run)
    return report


def _index(app: CarePlan, reference: str, courses: list[Course], report: BackfillReport, dry_run: bool) -> None:
    """Brings one reference's index up to date; retried on a lost race with an opening or a closing."""
    walked = [c.journey_id for c in courses]
    open_courses = [c for c in courses if c.is_open]
    for _ in range(RETRIES):
        index = app.patient_index(reference) or PatientIndex.start(reference)
        known = set(index.journeys)
        merged = index.journeys if known >= set(walked) else _merge(index.journeys, walked)
        if index.open_journey is not None:
            # An open journey the index holds is left alone, whatever else is open.
            open_journey: UUID | None = index.open_journey
            chosen = next((c for c in open_courses if c.journey_id == open_journey), None)
        else:
            chosen = max(open_courses, key=lambda c: (c.opened_at, walked.index(c.journey_id)), default=None)
            open_journey = chosen.journey_id if chosen else None
        already = index.open_journey is not None
        if merged == index.journeys and open_journey == index.open_journey:
            _note_duplicates(report, chosen, open_courses, already)
            return
        index.backfill(merged, open_journey)
        if not dry_run:
            try:
                app.save(index)
            except IntegrityError:  # a journey of this reference was opened or closed meanwhile
                time.sleep(0.01)
                continue
        report.references += 1
        report.added += [c for c in courses if c.journey_id not in known]
        if chosen is not None and not already:
            report.opened.append(chosen)
        _note_duplicates(report, chosen, open_courses, already)
        return
    raise ValueError("a patient index kept changing while the backfill wrote it: run the backfill again")


def _merge(indexed: list[UUID], walked: list[UUID]) -> list[UUID]:
    """The index's journeys with the walked ones it lacks, in the store's order; journeys the index holds
    that the walk did not see (opened during it) keep their place at the end."""
    seen = set(walked)
    return walked + [j for j in indexed if j not in seen]


def _note_duplicates(report: BackfillReport, chosen: Course | None, open_courses: list[Course], already: bool) -> None:
    if chosen is None or len(open_courses) < 2:
        return
    others = tuple(c for c in open_courses if c.journey_id != chosen.journey_id)
    report.duplicates.append(Duplicate(chosen, others, already))
