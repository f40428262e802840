"""``careplan scheduler``: the scheduler alone, for a clinic running the web app under gunicorn.

Run one or more: one is active (it holds the store's scheduler lock), the others stand by and take
over within a few seconds if it dies. Stops cleanly on SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from typing import Any

from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli.args import interval_seconds
from careplan.entrypoints.cli.main import CliError
from careplan.entrypoints.scheduling.runner import DEFAULT_INTERVAL, CareScheduler


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scheduler",
        help="run the scheduler alone (steps due and overdue, reminders, alerts)",
        description=(
            "Run the scheduler: every INTERVAL seconds, record what fell due (StepBecameDue, StepOverdue, "
            "ReminderIssued, SafetyAlertRaised) exactly once, and keep the worklists current. Several may "
            "run at once: one is active, the others stand by."
        ),
    )
    parser.add_argument("--interval", type=interval_seconds, default=DEFAULT_INTERVAL, metavar="SECONDS",
                        help=f"seconds between sweeps (default {DEFAULT_INTERVAL:g})")
    parser.add_argument("--demo", action="store_true", help="demo mode: run without CAREPLAN_CIPHER_KEY (never with real patients)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    app = build_app(demo=args.demo)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    scheduler = CareScheduler(app, interval=args.interval)
    try:
        scheduler.start()
    except Exception as error:
        raise CliError(f"the scheduler could not start: {type(error).__name__}") from error
    logging.getLogger("careplan.scheduler").info("scheduler started (%s), sweeping every %gs", app.store.describe(), args.interval)
    try:
        stop.wait()
    finally:
        scheduler.stop()
        app.close()
    return 0
