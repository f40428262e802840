"""``careplan demo --patients N [--seed S] [--now ISO]``: a synthetic cohort for demos and load tests.

Writes into the store the environment names (``CAREPLAN_DATABASE_URL``) and refuses a store that
already holds journeys, so a clinic's real records can never be mixed with made-up ones. Prints what
it wrote and how fast; the read views (dashboard, worklists) then catch up in the same run.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Any

from careplan import demo
from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli.args import iso_time, positive_int
from careplan.entrypoints.cli.main import CliError
from careplan.entrypoints.cli.projections import Bar
from events.read.outcomes.view import OutcomesView
from events.read.projection import Projector
from events.read.runtime import read_store_for

DEFAULT_SEED = 7


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="write a synthetic cohort of pseudonymous patients at every stage of the protocol",
        description=(
            "Write N synthetic journeys (patients DEMO-000001 ...) spread over every stage of the protocol, "
            "opened up to 120 days before NOW, every entry checked by the protocol's rules. The same seed "
            "and NOW give the same cohort. The store must hold no journeys yet."
        ),
    )
    parser.add_argument("--patients", type=positive_int, required=True, metavar="N", help="how many patients (1 or more)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S", help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--now", type=iso_time, metavar="ISO", help="the moment the cohort is seen from (default: the current time)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    real_now = datetime.now(timezone.utc)
    now: datetime = args.now or real_now
    if now > real_now:
        raise CliError("--now cannot be in the future: demo records are backfilled, never post-dated")
    app = build_app()
    try:
        if next(app.journey_ids(limit=1), None) is not None:
            raise CliError("the store already holds journeys; point CAREPLAN_DATABASE_URL at an empty store")
        report = demo.generate(app, args.patients, args.seed, now, progress=Bar("writing demo cohort"))
        caught_up = Projector(app, read_store_for(app)).catch_up(progress=Bar("updating read views"))
        OutcomesView(app, read_store_for(app)).catch_up()  # the outcomes page's first report is then quick
        read_store_for(app).analyze()  # a bulk load: the planner's statistics now, not at autovacuum's turn
    finally:
        app.close()
    print(
        f"wrote {report.journeys} journeys of {report.patients} patients, {report.events} events in {report.seconds:.1f} s "
        f"({report.events_per_second:,.0f} events/s), seed {args.seed}, as of {now.isoformat(timespec='seconds')}"
    )
    print("stages: " + ", ".join(f"{name} {count}" for name, count in report.stages.items()))
    print(f"read views: {caught_up} events taken in")
    return 0
