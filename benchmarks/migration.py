"""``careplan protocols migrate --all-open --dry-run`` over many journeys (DESIGN 7.6: 10,000 in under
a minute).

    python -m benchmarks.migration [--journeys 10000] [--url URL]

Opens that many journeys on version 1 (batched, as the other benchmarks do), then runs the command's
own loop (``careplan.entrypoints.cli.protocols._all_open``: every journey loaded, judged by the domain under both
versions, its report rendered) with ``--dry-run``, and prints the time and journeys per second.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
from datetime import datetime, timedelta, timezone

from benchmarks._cohort import MovableClock, make_app, open_journeys
from careplan.entrypoints.cli import protocols
from events.read.store import ReadStore

BASE = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def measure(journeys: int, url: str | None) -> tuple[float, float, str]:
    clock = MovableClock(BASE + timedelta(days=1))
    app = make_app(url, clock)
    started = time.perf_counter()
    open_journeys(app, ReadStore(app), journeys, lambda i: BASE)
    setup = time.perf_counter() - started
    args = argparse.Namespace(to=2, dry_run=True, confirm=False, reason="benchmark", journey=None, all_open=True)
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        protocols._all_open(app, args)
    took = time.perf_counter() - started
    app.close()
    return took, setup, out.getvalue().strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=10_000)
    parser.add_argument("--url", help="a database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    took, setup, summary = measure(args.journeys, args.url)
    print(f"opened {args.journeys} journeys in {setup:.1f} s")
    print(f"migrate --all-open --dry-run: {took:.1f} s, {args.journeys / took:,.0f} journeys/s ({summary})")
    print(f"budget: under 60 s for 10,000 -> {'met' if took * 10_000 / args.journeys < 60 else 'NOT met'} (extrapolated)")


if __name__ == "__main__":
    main()
