"""``careplan tick --now ISO``: one sweep at a given moment, then one dispatch of the outbox, then
exit (backfill, cron, tests).

The application's clock is set to ``--now`` for the run, so what falls due is judged at that moment
and the events are recorded as of it. Prints one line per recorded event (journey id, type, key,
when it fell due), never a patient reference.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Any

from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli.args import iso_time
from careplan.entrypoints.scheduling.sweep import sweep
from careplan.messaging.outbox import dispatch
from events.read.runtime import read_store_for


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "tick",
        help="run one scheduler sweep at a given time, dispatch the outbox once, and exit",
        description=(
            "Run one sweep as if the clock read NOW (default: the current time), print what it recorded, "
            "send what waits in the outbox once (when CAREPLAN_SMTP_URL or CAREPLAN_SMS_URL is set), exit."
        ),
    )
    parser.add_argument("--now", type=iso_time, metavar="ISO", help="the moment to sweep at, e.g. 2026-03-09T09:00:00+00:00")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    now: datetime = args.now or datetime.now(timezone.utc)
    app = build_app(clock=lambda: now)
    try:
        result = sweep(app, read_store_for(app), now)
        sent = dispatch(app, count_waiting=True)
    finally:
        app.close()
    for event in result.recorded:
        print(f"{event.journey_id} {event.type} {event.key} {event.occurred_at.isoformat()}")
    for journey_id, key in sent.sent:
        print(f"{journey_id} NotificationSent {key}")
    for journey_id, key in sent.failed:
        print(f"{journey_id} NotificationFailed {key}")
    print(f"outbox: {len(sent.sent)} sent, {len(sent.failed)} failed, {sent.waiting} waiting")
    print(f"swept at {now.isoformat()}: {result.journeys} journeys due, {len(result.recorded)} events recorded")
    return 0
