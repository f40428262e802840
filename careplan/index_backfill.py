"""Index entries for journeys the patient index does not hold (``careplan index backfill``).

The one-open-journey-per-patient rule reads the patient's ``PatientIndex``; a journey opened before
the index existed has no entry, so the rule cannot see it and a second course could be opened beside
it. And before references were compared normalised (``MRN-5`` and `` mrn-5`` one patient), each
typed form of a reference had an index of its own. The backfill walks every journey in the store's
notification log (the order the store took their openings), groups them by patient (the reference
normalised) and records, per patient, what the index is missing: its earlier journeys (closed ones
too, so "Previous course" and the next course's default ``previous_journey_id`` follow the real
order), those the typed forms' older indexes held (and the patient's details, when only one of those
knows them), and, if it holds no open journey, the open one.
The older indexes are then released (they are read no more). It is idempotent: a patient whose index
already holds every journey and the open one is not written, so a second run records nothing.

Whether a journey is open is read again for each patient just before its index is written, not taken
from the walk (which can last minutes), and read once more after the save: a journey closed or
reopened meanwhile is judged again, so a journey closed during the walk is never indexed as open. An
index whose open journey is closed (closed while no index saw it) lets it go.

Two or more open journeys for one patient (possible only from before the index, or from typed forms
that older stores kept apart) cannot both be the open one. The backfill indexes the most recently
opened (by the opening's clinical time, then by the store's order), because that is the course the
clinic is working on now, and reports every one of them so that a person closes the one that should
not be open: the backfill never closes a journey, which is a clinical decision with a reason. An open
journey the index already holds is left alone whatever else is found; a journey left unindexed as
the open one is named in the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from careplan.application import CarePlan
from careplan.domain.patient_index import PatientIndex, index_id, normal_reference, typed_index_id

RETRIES = 20
BACKFILL_ACTOR = "careplan index backfill"
"""Who an index's details copied from a typed form's older index are recorded by."""


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
    by_patient: dict[str, list[UUID]] = {}
    typed: dict[str, set[str]] = {}
    ids = list(app.journey_ids())
    report = BackfillReport(journeys=len(ids))
    for done, journey_id in enumerate(ids, start=1):
        reference = str(app.history(journey_id, upto=1)[0].data["patient_ref"])
        patient = normal_reference(reference)
        by_patient.setdefault(patient, []).append(journey_id)
        typed.setdefault(patient, set()).add(reference)
        if progress is not None and (done % 500 == 0 or done == len(ids)):
            progress(done, len(ids))
    for patient, walked in by_patient.items():
        _index(app, patient, sorted(typed[patient]), walked, report, dry_run)
    return report


def _index(
    app: CarePlan, patient: str, forms: list[str], walked: list[UUID], report: BackfillReport, dry_run: bool
) -> None:
    """Brings one patient's index up to date, the open state of each journey read again now (not as
    the walk found it); retried on a lost race with an opening or a closing, and again when a journey
    was closed or reopened between that read and the save."""
    known: set[UUID] | None = None
    held: UUID | None = None
    wrote = False
    for _ in range(RETRIES):
        index = app.patient_index(patient) or PatientIndex.start(patient)
        olders = _older_indexes(app, patient, forms)
        if known is None:  # what the index held before this run, for the report
            known, held = set(index.journeys), index.open_journey
        merged = _merge(index.journeys, walked, [j for o in olders for j in o.journeys])
        courses = {j: _course(app, j) for j in merged}
        open_courses = [courses[j] for j in merged if courses[j].is_open]
        if index.open_journey is not None and not courses[index.open_journey].is_open:
            index.release(index.open_journey)  # closed while no index saw it (during a walk, or before)
        if index.open_journey is not None:
            # An open journey the index holds is left alone, whatever else is open.
            chosen: Course | None = courses[index.open_journey]
        else:
            chosen = max(open_courses, key=lambda c: (c.opened_at, merged.index(c.journey_id)), default=None)
        open_journey = chosen.journey_id if chosen else None
        if merged != index.journeys or open_journey != index.open_journey:
            index.backfill(merged, open_journey)
        _take_details(index, olders)
        for older in olders:  # merged here: they are read no more (``CarePlan._unmerged_index``)
            if older.open_journey is not None:
                older.release(older.open_journey)
        changed = [x for x in (index, *olders) if x.pending_events]
        writing = bool(changed)
        if changed and not dry_run:
            try:
                app.save(*changed)
            except IntegrityError:  # a journey of this patient was opened or closed meanwhile
                time.sleep(0.01)
                continue
            wrote = wrote or writing
            if any(_course(app, j).is_open != c.is_open for j, c in courses.items()):
                continue  # closed or reopened between the read and the save: judged again
        report.references += int(wrote or writing)
        report.added += [courses[j] for j in merged if j not in known]
        if chosen is not None and chosen.journey_id != held:
            report.opened.append(chosen)
        if chosen is not None and len(open_courses) > 1:
            others = tuple(c for c in open_courses if c.journey_id != chosen.journey_id)
            report.duplicates.append(Duplicate(chosen, others, chosen.journey_id == held))
        return
    raise ValueError("a patient index kept changing while the backfill wrote it: run the backfill again")


def _take_details(index: PatientIndex, olders: list[PatientIndex]) -> None:
    """Who the patient is, when only a typed form's older index knows it (the latest recorded)."""
    known = [o for o in olders if o.details]
    if index.details or not known:
        return
    latest = max(known, key=lambda o: o.modified_on)
    index.record_details(latest.patient, actor_id=BACKFILL_ACTOR, actor_role="system")


def _course(app: CarePlan, journey_id: UUID) -> Course:
    journey = app.get(journey_id)
    return Course(journey_id, journey.chart.opened_at or journey.created_on, journey.chart.closed is None)


def _older_indexes(app: CarePlan, patient: str, forms: list[str]) -> list[PatientIndex]:
    """The indexes a store from before normalisation holds under each typed form of the reference."""
    ids = {typed_index_id(form) for form in forms} - {index_id(patient)}
    return [x for x in (app.index_at(i) for i in sorted(ids, key=str)) if x is not None]


def _merge(indexed: list[UUID], walked: list[UUID], older: list[UUID]) -> list[UUID]:
    """The index's journeys when it holds every one already; else the walked journeys in the store's
    order, then those the index holds that the walk did not see (opened during it) in their place at
    the end, then any only an older index held."""
    if set(indexed) >= {*walked, *older}:
        return list(indexed)
    merged = list(walked)
    for journey_id in (*indexed, *older):
        if journey_id not in merged:
            merged.append(journey_id)
    return merged
