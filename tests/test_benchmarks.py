"""Every benchmark in ``benchmarks/`` runs at a smoke size, so none can rot unnoticed.

Timings are never asserted here (the machines are noisy; the scripts print figures for a person):
what is checked is that each script runs to the end on today's code and prints its table. The
benchmark of the pages once crashed at HEAD for weeks because nothing ran it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SMOKE: dict[str, tuple[list[str], str]] = {
    "engine": (["--quick", "--stores", "sqlite"], "load a 2000-event journey"),
    "pages": (["--patients", "80", "--times", "2", "--events", "30", "--repeat", "1"], "timeline, 30-event journey"),
    "projections": (["--events", "400", "--lengths", "5,25", "--lag-writes", "10"], "catch-up ev/s"),
    "sweep": (["--sizes", "100", "--due", "10", "--repeats", "1"], "median sweep"),
    "demo": (["--patients", "20", "--baseline", "10"], "20 patients"),
    "outcomes": (["--patients", "30", "--sizes", "30,60", "--events", "60", "--repeat", "1"], "FHIR export of a 60-event journey"),
    "migration": (["--journeys", "50"], "migrate --all-open --dry-run"),
}
"""Per script: the smoke arguments, and a line its output must contain when it ran to the end."""

POSTGRES_SMOKE: dict[str, tuple[list[str], str]] = {
    "api": (
        ["--workers", "1", "--clients", "2", "--seconds", "1", "--warmup", "0.2", "--repeat", "1"],
        "ratio careplan/bare",
    ),
    "engine": (["--quick", "--stores", "postgres"], "[postgres] load a 2000-event journey"),
}


def _run(script: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", f"benchmarks.{script}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(SMOKE))
def test_benchmark_runs_at_smoke_size(script: str) -> None:
    args, expected = SMOKE[script]
    done = _run(script, args)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert expected in done.stdout, done.stdout[-2000:]


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("script", sorted(POSTGRES_SMOKE))
def test_postgres_benchmark_runs_at_smoke_size(script: str, postgres_url: str) -> None:
    """``postgres_url`` only to skip (or fail in CI) without a server: these scripts make their own
    throwaway databases on the same server."""
    args, expected = POSTGRES_SMOKE[script]
    done = _run(script, args)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert expected in done.stdout, done.stdout[-2000:]
