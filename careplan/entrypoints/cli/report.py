"""``careplan report deviations [--since ISO] [--csv]``: every deviation from a timing rule, for the
medical director. ``careplan report outcomes``: see ``careplan.entrypoints.cli.outcomes``.

Read from the journeys' histories (the record keeps only the latest few per step): one row per waived
rule code, oldest first, with the journey id, version, when it happened, the step, the rule code, the
clinician's reason, who recorded it, and whether the event still stands (``entered in error`` once a
correction has marked it: the director sees what was recorded and that it was withdrawn). Never a
patient reference. The report is an entry of the access log, as a list read on the web is.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from careplan.adapters.csv_cells import writer as csv_writer
from careplan.application import CarePlan
from careplan.domain.deviations import step_of
from careplan.domain.record import errored_versions
from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli import outcomes, reads
from careplan.entrypoints.cli.args import iso_time, positive_int
from careplan.entrypoints.cli.tables import clip, table, when

HEADERS = ("journey", "version", "occurred_at", "step", "code", "reason", "actor", "status")
IN_FORCE, WITHDRAWN = "in force", "entered in error"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="reports for the clinic's leads (deviations, outcomes)",
        description="Print a report. 'deviations': every event recorded despite a timing rule, with its reason. "
        "'outcomes': per protocol version, what the courses came to (response, remission, drop-outs, stops, "
        "alerts, deviations, relapse), as known on a day.",
    )
    parser.add_argument("name", choices=("deviations", "outcomes"), help="the report")
    parser.add_argument("--since", type=iso_time, metavar="ISO", help="deviations: only those that happened at or after this")
    parser.add_argument("--protocol", metavar="ID", help="outcomes: only this protocol")
    parser.add_argument("--version", type=positive_int, metavar="N", help="outcomes: only this protocol version")
    parser.add_argument("--as-of", type=outcomes.as_of_time, metavar="ISO",
                        help="outcomes: as known then (events recorded later, corrections included, are left out); "
                        "a bare date means the end of that day, UTC")
    parser.add_argument("--csv", action="store_true", help="write CSV (with a header row) instead of a table")
    parser.set_defaults(run=run)


def deviations(app: CarePlan, since: datetime | None = None) -> Iterator[tuple[str, ...]]:
    """One row per waived rule code, in HEADERS order, times as ISO 8601 UTC."""
    rows = []
    for journey_id in app.journey_ids():
        history = app.history(journey_id)
        errored = errored_versions(history)
        for fact in history:
            if fact.deviation is None or (since is not None and fact.occurred_at < since):
                continue
            actor = f"{fact.actor.id} ({fact.actor.role})"
            for code in fact.deviated or ("deviation",):
                rows.append(
                    (
                        fact.occurred_at,
                        str(journey_id),
                        str(fact.version),
                        fact.occurred_at.isoformat(),
                        step_of(fact),
                        code,
                        fact.deviation,
                        actor,
                        WITHDRAWN if fact.version in errored else IN_FORCE,
                    )
                )
    for row in sorted(rows):
        yield row[1:]


def run(args: argparse.Namespace) -> int:
    app = build_app()
    if args.name == "outcomes":
        try:
            return outcomes.run(args, app)
        finally:
            app.close()
    try:
        rows = list(deviations(app, args.since))
        reads.record(app, "careplan report deviations", [None])
    finally:
        app.close()
    if args.csv:
        writer = csv_writer(sys.stdout, lineterminator="\n")
        writer.writerow(HEADERS)
        writer.writerows(rows)
        return 0
    shown = [(j, v, when(datetime.fromisoformat(at)), s, c, clip(r, 60), a, st) for j, v, at, s, c, r, a, st in rows]
    print(table(HEADERS, shown))
    print(f"{len(rows)} deviation(s)")
    return 0
