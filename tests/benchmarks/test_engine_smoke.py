"""The engine benchmark still runs: at its smoke size, on SQLite, as a real subprocess.

Timings are not asserted (they depend on the machine); what is checked is that the script runs to
the end and prints the late entry beside the in-order one at each length (DESIGN 7.1).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_engine_benchmark_runs_at_its_smoke_size_and_prints_late_entries() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "engine.py"), "--smoke", "--stores", "sqlite"],
        capture_output=True, text=True, timeout=600, env=env, cwd=ROOT, check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    late = lines.index("[sqlite] a late entry beside an in-order one, medians (a reading dated halfway back)")
    rows = [line.split() for line in lines[late + 2 : late + 4]]
    assert [row[0] for row in rows] == ["10", "100"] and all(len(row) == 6 for row in rows)
    assert all(float(value) > 0 for row in rows for value in row[1:4])
