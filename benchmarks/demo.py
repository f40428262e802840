"""How long ``careplan demo --patients N`` takes, and how many events per second it writes.

    python benchmarks/demo.py [--patients 10000] [--baseline 500] [--repeat 1]

Each run is the installed ``careplan`` script in a fresh process, writing into a fresh temporary
SQLite store, seen from the same fixed moment (so every run writes the same cohort). Printed per size:
the events written, the demo's own write time and rate (journeys written and saved), and the wall
time of the whole command (start-up, writing, and bringing the read views up to date). A small
cohort runs in the same session as a baseline. Figures are medians over ``--repeat`` runs. A script,
not a test: timings depend on the machine, so they are printed for a person to read (and quoted in
the README), never asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

NOW = "2026-03-02T15:30:00+00:00"
SUMMARY = re.compile(r"wrote (\d+) journeys(?: of \d+ patients)?, (\d+) events in ([\d.]+) s")


@dataclass(frozen=True)
class Run:
    events: int
    write_s: float
    wall_s: float


def careplan_argv(*args: str) -> list[str]:
    """The ``careplan`` entry point of the code beside this script (not whichever copy is installed
    on the PATH), run by this interpreter."""
    return [sys.executable, "-c", "import sys; from careplan.entrypoints.cli.main import main; sys.exit(main())", *args]


def run_demo(patients: int, seed: int) -> Run:
    with tempfile.TemporaryDirectory(prefix="careplan-bench-") as folder:
        # Demo mode: a synthetic cohort is written unencrypted (production mode would need a cipher key).
        env = {
            **os.environ,
            "CAREPLAN_DATABASE_URL": f"sqlite:///{Path(folder) / 'careplan.sqlite'}",
            "CAREPLAN_MODE": "demo",
            "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        }
        argv = careplan_argv("demo", "--patients", str(patients), "--seed", str(seed), "--now", NOW)
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"careplan demo failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    found = SUMMARY.search(done.stdout)
    if found is None:
        sys.exit(f"no summary line in the demo's output: {done.stdout!r}")
    return Run(events=int(found.group(2)), write_s=float(found.group(3)), wall_s=wall)


def report(patients: int, runs: list[Run]) -> str:
    events = runs[0].events
    write = statistics.median(r.write_s for r in runs)
    wall = statistics.median(r.wall_s for r in runs)
    return (
        f"{patients:>7} patients  {events:>8} events  write {write:7.1f} s ({events / write:7,.0f} events/s)  "
        f"wall {wall:7.1f} s ({events / wall:7,.0f} events/s)  median of {len(runs)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000, help="the cohort to measure (default 10000)")
    parser.add_argument("--baseline", type=int, default=500, help="a small cohort for comparison (default 500)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the median is printed (default 1)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"careplan demo on SQLite, seen from {NOW}, python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for patients in (args.baseline, args.patients):
        runs = [run_demo(patients, args.seed) for _ in range(max(1, args.repeat))]
        print(report(patients, runs), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
