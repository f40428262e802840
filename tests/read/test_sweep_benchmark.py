"""The sweep benchmark runs at a smoke size on both stores (the figures in docs/operations.md come from
the same code at 1,000 due journeys): a sweep records the events a loop of single records does, and
pages answer while a scheduler process sweeps."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_sweep_throughput_benchmark_runs_at_a_smoke_size(store_url: str) -> None:
    args = ["--throughput", "--due", "12"]
    if store_url.startswith("postgres"):
        args += ["--url", store_url]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CAREPLAN_MODE": "demo"}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.sweep", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    loop = re.search(r"in a loop: (\d+) events", out)
    swept = re.search(r"sweep: +(\d+) events", out)
    assert loop and swept and loop.group(1) == swept.group(1) == "24", out
    pages = re.search(r"(\d+) requests, median (\d+) ms", out)
    assert pages and int(pages.group(1)) >= 2, out
