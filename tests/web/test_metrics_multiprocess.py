"""With PROMETHEUS_MULTIPROC_DIR, as under gunicorn's several workers, one worker's /metrics adds up the
requests every process answered (prometheus_client reads the variable at import: real subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WORKER = """
import sys
from web.app import create_app
env = {"CAREPLAN_DATABASE_URL": sys.argv[1], "CAREPLAN_MODE": "demo", "CAREPLAN_INSTANCE": sys.argv[2],
       "CAREPLAN_SECRET_KEY": "s" * 48}
client = create_app({"CAREPLAN_ENV": env}).test_client()
for _ in range(int(sys.argv[3])):
    assert client.get("/health").status_code == 200
if sys.argv[4] == "scrape":
    print(client.get("/metrics").get_data(as_text=True))
"""


def test_a_scrape_adds_up_every_worker(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    url, instance = f"sqlite:///{tmp_path / 'c.sqlite'}", str(tmp_path / "instance")

    def worker(requests: int, then: str) -> str:
        done = subprocess.run([sys.executable, "-c", WORKER, url, instance, str(requests), then], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    worker(3, "")
    text = worker(2, "scrape")
    assert 'careplan_http_requests_total{method="GET",route="/health",status="200"} 5.0' in text
    assert "careplan_view_lag_events" in text  # measured by the answering worker
