"""What a process measures for Prometheus beyond its web requests: the scheduler's sweeps.

prometheus_client keeps one set of values per process (or, with ``PROMETHEUS_MULTIPROC_DIR``, one file
per process in that folder, which ``GET /metrics`` of any web worker adds up: a scheduler run with the
same folder shows its sweeps there). The metrics are made once per process and registered nowhere:
``web.ops.metrics`` puts them in the registry it answers a scrape from.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SWEEP_SECONDS = Histogram(
    "careplan_sweep_duration_seconds",
    "Time one scheduler sweep took: catching up the views, then recording what fell due.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
    registry=None,
)
SWEPT_JOURNEYS = Counter(
    "careplan_sweep_journeys",
    "Journeys that owed something when a sweep ran (due or overdue), summed over sweeps.",
    registry=None,
)
