"""Events recorded per second by a sweep of many due journeys, beside the same events recorded one
``CarePlan`` call at a time, and page times while a sweep runs (``python -m benchmarks.sweep --throughput``).

Three groups of ``due`` journeys, opened two days apart, each owing two events (its consultation became
due and went overdue) a week later: the first group's events are recorded by ``CarePlan.record_system``
in a loop (the events computed beforehand, so the loop is the store's pace and nothing else), the
second's by ``sweep`` (which also judges each journey and brings the views up to date), the third's by
a sweep in another process (the scheduler's) while this one asks for the dashboard and the overdue
worklist as a signed-in coordinator, as a clinic's browsers would.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from benchmarks._cohort import MovableClock, make_app, open_journeys
from careplan.application import CarePlan
from careplan.domain.duties import duties
from careplan.domain.values import Actor
from careplan.domain.view import evaluate
from careplan.entrypoints.scheduling.sweep import sweep
from events.read.projection import Projector
from events.read.store import ReadStore

BASE = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
GROUPS = 3
PASSWORD = "benchmark password"


@dataclass(frozen=True)
class Throughput:
    due: int
    loop_events: int
    loop_seconds: float
    sweep_events: int
    sweep_seconds: float
    pages: list[float]
    """Page times (seconds) while the third group was swept in another process."""
    child_seconds: float

    @property
    def loop_rate(self) -> float:
        return self.loop_events / self.loop_seconds

    @property
    def sweep_rate(self) -> float:
        return self.sweep_events / self.sweep_seconds


def due_at(group: int) -> datetime:
    return BASE + timedelta(days=2 * group + 7, minutes=1)


def measure(url: str | None, due: int) -> Throughput:
    clock = MovableClock(BASE + timedelta(days=2 * GROUPS + 8))
    app = make_app(url, clock)
    store = ReadStore(app)
    open_journeys(app, store, due * GROUPS, lambda i: BASE + timedelta(days=2 * (i // due)))
    try:
        loop_events, loop_seconds = record_in_a_loop(app, store, due_at(0))
        clock.now = due_at(1)
        started = time.perf_counter()
        swept = sweep(app, store, clock.now)
        sweep_seconds = time.perf_counter() - started
        assert swept.journeys == due, (swept.journeys, due)
        pages, child_seconds = pages_while_swept(app, due_at(2))
    finally:
        app.close()
    return Throughput(due, loop_events, loop_seconds, len(swept.recorded), sweep_seconds, pages, child_seconds)


def record_in_a_loop(app: CarePlan, store: ReadStore, now: datetime) -> tuple[int, float]:
    """The group's owed events, each recorded by its own call, then taken into the views (as the
    sweep does), timed from the first call to the views being current."""
    with store.read() as cur:
        rows = cur.run("SELECT journey_id FROM read_due WHERE next_duty_ts <= ?", (now.timestamp(),)).all()
    from uuid import UUID

    owed = []
    for row in rows:
        journey = app.get(UUID(row["journey_id"]))
        record = journey.clinical_record(app.protocol)
        owed += [(journey.id, d) for d in duties(record, evaluate(record, now), now)]
    started = time.perf_counter()
    for journey_id, duty in owed:
        app.record_system(journey_id, duty.type, duty.data, occurred_at=duty.occurred_at)
    Projector(app, store).catch_up()
    return len(owed), time.perf_counter() - started


def pages_while_swept(app: CarePlan, now: datetime) -> tuple[list[float], float]:
    """Dashboard and overdue worklist times while another process sweeps the third group."""
    from careplan.users import Users
    from web.app import create_app

    env = {"CAREPLAN_DATABASE_URL": app.store.url, "CAREPLAN_MODE": "demo", "CAREPLAN_INSTANCE": "/tmp/careplan-bench-instance"}
    web = create_app({"SECRET_KEY": "bench-" + "k" * 32, "CAREPLAN_ENV": env, "CAREPLAN_CLOCK": lambda: now,
                      "CAREPLAN_PASSWORD_METHOD": "pbkdf2:sha256:1000"})
    with web.app_context():
        from web.services import careplan

        made = Users(careplan(), "pbkdf2:sha256:1000").add("bench", "coordinator", password=PASSWORD, actor=Actor("bench", "admin"))
    client = web.test_client()
    token = {"Authorization": f"Bearer {made.token}"}
    _sign_in_pages(client)
    paths = ["/dashboard", "/api/v1/worklists?name=overdue"]
    for path in paths:  # warm up
        client.get(path, headers=token)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, app.store.url, now.isoformat()], stdout=subprocess.PIPE, text=True
    )
    times: list[float] = []
    done = threading.Event()
    def wait_for_child() -> None:
        child.wait()
        done.set()

    waiter = threading.Thread(target=wait_for_child)
    waiter.start()
    while not done.is_set():
        for path in paths:
            started = time.perf_counter()
            answer = client.get(path, headers=token)
            times.append(time.perf_counter() - started)
            assert answer.status_code == 200, (path, answer.status_code)
    waiter.join()
    out = (child.stdout.read() if child.stdout else "").split()
    assert child.returncode == 0 and out, out
    web.extensions["careplan"].close()
    return times, float(out[0])


def _sign_in_pages(client: Any) -> None:
    """The dashboard is a page: signed in through the login form, as a coordinator's browser is."""
    page = client.get("/login").get_data(as_text=True)  # no session before sign-in: the form's token
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": csrf})
    assert answer.status_code == 302, answer.status_code


_CHILD = """
import sys, time
from datetime import datetime
from careplan.application import CarePlan
from careplan.adapters.settings import StoreSettings
from careplan.entrypoints.scheduling.sweep import sweep
from events.protocol_file import default_protocols
from events.read.store import ReadStore
now = datetime.fromisoformat(sys.argv[2])
app = CarePlan(StoreSettings(url=sys.argv[1]), default_protocols(open_on="1"), clock=lambda: now)
started = time.perf_counter()
result = sweep(app, ReadStore(app), now)
print(time.perf_counter() - started, len(result.recorded))
app.close()
"""


def report(found: Throughput, store: str) -> None:
    pages = sorted(found.pages)
    p95 = pages[int(0.95 * (len(pages) - 1))] if pages else float("nan")
    print(f"{store}: {found.due} due journeys, two events each")
    print(f"  CarePlan.record_system in a loop: {found.loop_events} events in {found.loop_seconds:.2f} s = {found.loop_rate:,.0f} events/s")
    print(f"  sweep:                            {found.sweep_events} events in {found.sweep_seconds:.2f} s = {found.sweep_rate:,.0f} events/s"
          f" ({found.sweep_rate / found.loop_rate:.2f} times the loop)")
    print(f"  pages while a scheduler process swept {found.due} more ({found.child_seconds:.2f} s): {len(pages)} requests, "
          f"median {statistics.median(pages) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {pages[-1] * 1000:.0f} ms", flush=True)
