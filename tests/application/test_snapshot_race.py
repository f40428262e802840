"""A threaded server snapshots what was stored (issue 18, finding 1).

Eight threads of werkzeug's threaded server (as ``careplan web`` runs it) record vitals on one journey
at once, with a snapshot every 5 events. Saves lose races at snapshot versions; each snapshot must
still be the fold of the save that won: its head a stored event's hash, its record the fold of the
stored events, so ``verify`` passes and every later event chains onto a stored hash.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from werkzeug.serving import make_server

from careplan.application import CarePlan
from careplan.audit import stored
from careplan.audit.verify import verify_store
from careplan.entrypoints.cli.web import QuietQueryHandler
from tests.web.conftest import People, make_web_app

THREADS = 8
WRITES = 12
INTERVAL = 5


def now() -> datetime:
    return datetime.now(timezone.utc)


@pytest.fixture
def server(tmp_path: Path, store_url: str) -> Iterator[tuple[str, People]]:
    web = make_web_app(tmp_path, now)  # type: ignore[arg-type]
    env = web.config["CAREPLAN_ENV"]
    web.config["CAREPLAN_ENV"] = {**env, "CAREPLAN_DATABASE_URL": store_url, "CAREPLAN_SNAPSHOT_INTERVAL": str(INTERVAL)}
    httpd = make_server("127.0.0.1", 0, web, threaded=True, request_handler=QuietQueryHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", People(web)
    httpd.shutdown()
    httpd.server_close()
    web.extensions["careplan"].close()


def post(url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={**headers, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_many_threads_writing_vitals_leave_only_snapshots_of_what_was_stored(
    server: tuple[str, People], store_url: str, make_app: Callable[..., CarePlan]
) -> None:
    base, people = server
    status, opened = post(f"{base}/api/v1/journeys", {"patient_ref": "MRN-RACE-1"}, people.headers("coordinator"))
    assert status == 201
    journey_id = opened["id"]
    clinician = people.headers("clinician")
    start = threading.Barrier(THREADS)
    answers: list[int] = []

    def write(n: int) -> None:
        start.wait()
        for k in range(WRITES):
            vitals = {"phase": "pre", "systolic": 100 + n * WRITES + k, "diastolic": 70, "heart_rate": 72, "spo2": 98}
            code, _ = post(f"{base}/api/v1/journeys/{journey_id}/events", {"type": "VitalsRecorded", "data": vitals}, clinician)
            answers.append(code)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert answers.count(201) == THREADS * WRITES, sorted(set(answers))

    app = make_app(store_url, now, snapshot_interval=INTERVAL)
    report = verify_store(app)
    assert report.ok, [str(b) for b in report.breaks]
    hashes = {row.fact.hash for row in stored.rows(app, UUID(journey_id)) if row.fact is not None}
    heads = [state["head"] for _, state in stored.snapshots(app, UUID(journey_id)) if state is not None]
    assert len(heads) >= (1 + THREADS * WRITES) // INTERVAL - 1
    assert set(heads) <= hashes, "every snapshot's head is a stored event's hash"
    shown = app.get(UUID(journey_id))
    systolics = {v["systolic"] for v in (f.data for f in app.history(UUID(journey_id))) if "systolic" in v}
    assert len(systolics) == THREADS * WRITES and shown.version == 1 + THREADS * WRITES
