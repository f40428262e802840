"""``careplan index backfill [--dry-run]``: index entries for journeys the patient index does not hold.

Journeys opened before the patient index, and the typed forms of one reference that older stores kept
apart (``MRN-5`` and ``mrn-5``), are taken into the patient's index. One line per journey taken into an
index (its id, and whether it is now the patient's open journey), a paragraph for each patient with
more than one open journey (which one is indexed, which others are open: a clinician closes the one
that should not be; the backfill closes nothing), and a summary. Never a patient reference: journey ids only.
Running it again records nothing. See ``careplan/index_backfill.py`` for the rules.
"""

from __future__ import annotations

import argparse
from typing import Any

from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli.projections import Bar
from careplan.entrypoints.cli.tables import when
from careplan.index_backfill import BackfillReport, backfill


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "index",
        help="the patient index behind one open journey per patient reference (backfill)",
        description="Manage the patient index that keeps one open journey per patient reference.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    fill = actions.add_parser(
        "backfill",
        help="index the journeys the patient index does not hold, merging typed forms of one reference (idempotent)",
        description="Walk every journey and record the index entries that are missing, so that the one-open-"
        "journey-per-patient rule sees journeys opened before the index existed, and sees differently typed "
        "forms of one reference (MRN-5, mrn-5) as one patient. Whether a journey is open is read again just "
        "before its patient's index is written. An open journey already indexed is left alone. Where one "
        "patient has several open journeys, the most recently opened is indexed and all are listed: a "
        "clinician closes the ones that should not be open (then run this again); nothing is closed here. "
        "Running it twice changes nothing.",
    )
    fill.add_argument("--dry-run", action="store_true", help="report what would be recorded; record nothing")
    fill.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    app = build_app()
    try:
        report = backfill(app, dry_run=args.dry_run, progress=Bar("reading journeys"))
    finally:
        app.close()
    print_report(report, args.dry_run)
    return 0


def print_report(report: BackfillReport, dry_run: bool) -> None:
    would = "would index" if dry_run else "indexed"
    opened = {c.journey_id for c in report.opened}
    for course in report.added:
        state = "open" if course.journey_id in opened else ("open, not indexed as open" if course.is_open else "closed")
        print(f"{would} {course.journey_id} ({state}; opened {when(course.opened_at)})")
    for course in report.opened:
        if course not in report.added:
            print(f"{would} {course.journey_id} as its reference's open journey (opened {when(course.opened_at)})")
    for duplicate in report.duplicates:
        held = "already the indexed open journey" if duplicate.already_indexed else "the most recently opened"
        print(
            f"more than one open journey for one patient reference (compared normalised): {duplicate.indexed.journey_id} "
            f"(opened {when(duplicate.indexed.opened_at)}) is the open one in the index ({held}); also open: "
            + ", ".join(f"{c.journey_id} (opened {when(c.opened_at)})" for c in duplicate.others)
            + ". Nothing was closed: a clinician closes the journey that should not be open."
        )
    written = "would write" if dry_run else "wrote"
    print(
        f"index backfill: {report.journeys} journeys read; {written} {report.references} index entries, "
        f"{len(report.added)} journeys taken in; {len(report.duplicates)} reference(s) with more than one open journey"
    )
