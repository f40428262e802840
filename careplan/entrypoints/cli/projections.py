"""``careplan projections rebuild [--view NAME]``: rebuild read views from the full history.

Shows a progress bar on stderr, compares the rebuilt view with the live one (they must be equal:
exit 1 and the first differences if not), then swaps the rebuilt view in. ``catch-up`` takes in what
was written since the last catch-up and says how much that was.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from careplan.entrypoints.bootstrap import build_app
from events.read.outcomes.view import OutcomesView
from events.read.projection import Projector
from events.read.rebuild import rebuild
from events.read.runtime import read_store_for
from events.read.store import VIEW_TABLES

SHOW_DIFFERENCES = 10
OUTCOMES = "outcomes"
"""The outcomes view keeps a position of its own (``events.read.outcomes.view``): rebuilt by reading
the log again, not through shadow tables."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "projections",
        help="rebuild or catch up the read views (worklists, dashboard, due index)",
        description="Manage the read views kept from the event history.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    again = actions.add_parser(
        "rebuild",
        help="rebuild views from the history, check they equal the live ones, swap them in",
        description="Rebuild the read views from every journey's history (progress on stderr), compare with the "
        "live views, and replace them. Exit 1 if the rebuilt view differs from the live one.",
    )
    again.add_argument("--view", choices=sorted((*VIEW_TABLES, OUTCOMES)), action="append", metavar="NAME",
                       help=f"the view to rebuild ({', '.join(sorted((*VIEW_TABLES, OUTCOMES)))}; repeatable; default all)")
    again.add_argument("--check-only", action="store_true", help="compare, but keep the live view")
    again.set_defaults(run=run_rebuild)
    catch = actions.add_parser("catch-up", help="take in events written since the last catch-up")
    catch.set_defaults(run=run_catch_up)


class Bar:
    """A progress bar on stderr: redrawn in place on a terminal, a few plain lines otherwise."""

    def __init__(self, label: str, width: int = 30) -> None:
        self.label, self.width = label, width
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self.last_line = -1

    def __call__(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        filled = int(share * self.width)
        text = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} ({time.monotonic() - self.started:.1f}s)"
        if self.tty:
            sys.stderr.write("\r" + text + ("\n" if done >= total else ""))
        elif int(share * 4) != self.last_line or done >= total:
            self.last_line = int(share * 4)
            sys.stderr.write(text + "\n")
        sys.stderr.flush()


def run_rebuild(args: argparse.Namespace) -> int:
    wanted = tuple(args.view or sorted((*VIEW_TABLES, OUTCOMES)))
    views = tuple(v for v in wanted if v != OUTCOMES)
    app = build_app()
    try:
        if OUTCOMES in wanted and not args.check_only:
            # Its own position: dropped and read again from the log (no shadow to compare).
            taken = OutcomesView(app, read_store_for(app)).rebuild()
            print(f"rebuilt outcomes from {taken} notifications")
        if not views:
            return 0
        report = rebuild(app, read_store_for(app), views, progress=Bar("rebuilding " + ", ".join(views)), swap=not args.check_only)
    finally:
        app.close()
    if not report.equal:
        for line in report.differences[:SHOW_DIFFERENCES]:
            print(line, file=sys.stderr)
        print(f"rebuilt {', '.join(views)}: {len(report.differences)} differences from the live view", file=sys.stderr)
        return 1
    kept = "kept the live view" if args.check_only else "swapped in"
    print(f"rebuilt {', '.join(views)} from {report.journeys} journeys up to notification {report.position}: "
          f"equal to the live view ({report.compared} journeys compared); {kept}")
    return 0


def run_catch_up(args: argparse.Namespace) -> int:
    app = build_app()
    try:
        taken = Projector(app, read_store_for(app)).catch_up(progress=Bar("catching up"))
    finally:
        app.close()
    print(f"took in {taken} events")
    return 0
