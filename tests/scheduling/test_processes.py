"""The scheduler as it runs in a clinic: real processes on PostgreSQL, racing, crashing, taking over.

Each journey opened 10 days back owes exactly two system events at once (its consultation became due
and went overdue); whatever the processes do, each must be in the history exactly once.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest

from careplan.entrypoints.scheduling.leader import LEADER_APPLICATION_NAME, LEADER_LOCK_KEY
from events.read.rebuild import rebuild
from events.read.runtime import read_store_for
from tests.application.test_concurrency import assert_verified
from tests.scheduling.cli import careplan_argv, careplan_env
from tests.scheduling.journeys import CLINICIAN

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
OWED = {"due:consultation", "overdue:consultation"}


def system_keys(url: str) -> list[tuple[str, str]]:
    """(journey id, key prefix) of every system event in the store, read as an auditor would."""
    from careplan.entrypoints.bootstrap import build_app

    app = build_app({"CAREPLAN_DATABASE_URL": url, "CAREPLAN_MODE": "demo"})
    try:
        return [
            (str(j), ":".join(f.data["key"].split(":")[:2]))
            for j in app.journey_ids()
            for f in app.history(j)
            if f.actor.role == "system"
        ]
    finally:
        app.close()


def count_overdue_rows(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM careplan_events WHERE topic LIKE %s", ("%.StepOverdue",)).fetchone()
        return int(row[0])


def lock_holders(url: str) -> list[int]:
    """The process ids of the schedulers holding the leader lock now (from their connection's name)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = %s",
            (LEADER_LOCK_KEY,),
        ).fetchall()
    return [int(name.removeprefix(LEADER_APPLICATION_NAME)) for (name,) in rows]


def open_backdated(app, count: int) -> list:  # type: ignore[no-untyped-def]
    back = datetime.now(timezone.utc) - timedelta(days=10)
    return [app.open_journey(f"P-{i}", actor=CLINICIAN, occurred_at=back) for i in range(count)]


def spawn(url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        careplan_argv(*args), env=careplan_env(url), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def spawn_writer(url: str, opened: int, notes: int, seed: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduling.writer", str(opened), str(notes), str(seed)],
        env=careplan_env(url, PYTHONPATH=str(ROOT)), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def wait_for(condition, timeout: float, what: str, poll: float = 0.3) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        out, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out or ""


def assert_exactly_once(url: str, journeys: int) -> None:
    counts = Counter(system_keys(url))
    doubled = {k: n for k, n in counts.items() if n > 1}
    assert not doubled, f"recorded more than once: {doubled}"
    per_journey = Counter(j for j, _ in counts)
    assert len(per_journey) == journeys and set(per_journey.values()) == {2}
    assert {k for _, k in counts} == OWED


def test_two_schedulers_two_racing_ticks_and_writers_record_each_event_exactly_once(make_app, postgres_url):
    app = make_app(postgres_url)
    open_backdated(app, 20)
    read_store_for(app)  # the read tables exist before the processes race to create them
    schedulers = [spawn(postgres_url, "scheduler", "--interval", "0.5") for _ in range(2)]
    writers = [spawn_writer(postgres_url, 10, 25, seed) for seed in range(3)]
    ticks = [spawn(postgres_url, "tick") for _ in range(2)]  # ticks take no lock: they race for real
    try:
        for process in writers + ticks:
            out, _ = process.communicate(timeout=60)
            assert process.returncode == 0, out
        wait_for(lambda: count_overdue_rows(postgres_url) >= 50, 25, "every journey's overdue event")
        time.sleep(1.5)  # a few more sweeps by the active scheduler: they must add nothing
        leaders = lock_holders(postgres_url)
        assert len(leaders) == 1 and leaders[0] in {p.pid for p in schedulers}, leaders
        # The standby first: stopped first, the leader would hand over to it on the way out.
        schedulers.sort(key=lambda p: p.pid == leaders[0])
    finally:
        outputs = [stop(p) for p in schedulers]
    assert_exactly_once(postgres_url, 50)
    assert sum("active scheduler" in out for out in outputs) == 1, outputs
    assert "active scheduler" in outputs[-1]
    assert not any("Traceback" in out for out in outputs), outputs
    assert_verified(app)


def test_a_scheduler_killed_mid_sweep_is_replaced_by_the_standby_with_nothing_doubled_or_lost(make_app, postgres_url):
    journeys = 400  # a first sweep of a few seconds: long enough to be cut short however fast the machine
    app = make_app(postgres_url)
    open_backdated(app, journeys)
    read_store_for(app)
    active = spawn(postgres_url, "scheduler", "--interval", "0.5")
    standby = None
    try:  # whatever fails, no scheduler outlives the test
        wait_for(lambda: count_overdue_rows(postgres_url) >= 5, 25, "the first scheduler to start sweeping", poll=0.02)
        standby = spawn(postgres_url, "scheduler", "--interval", "0.5")
        active.send_signal(signal.SIGKILL)  # at once: the standby is starting while the sweep is cut short
        active.wait(timeout=10)
        at_kill = count_overdue_rows(postgres_url)
        assert at_kill < journeys, "the first sweep finished before the kill; make it longer"
        wait_for(lambda: count_overdue_rows(postgres_url) >= journeys, 30, "the standby to finish the sweep")
        time.sleep(1.0)
    finally:
        stop(active)
        out = stop(standby) if standby is not None else ""
    assert "active scheduler" in out
    assert_exactly_once(postgres_url, journeys)
    assert_verified(app)


def test_views_kept_by_the_scheduler_during_concurrent_writes_equal_a_rebuild_from_scratch(make_app, postgres_url):
    app = make_app(postgres_url)
    open_backdated(app, 10)
    store = read_store_for(app)
    scheduler = spawn(postgres_url, "scheduler", "--interval", "0.5")
    writers = [spawn_writer(postgres_url, 10, 30, seed) for seed in range(3)]
    try:
        for process in writers:
            out, _ = process.communicate(timeout=60)
            assert process.returncode == 0, out
        wait_for(lambda: count_overdue_rows(postgres_url) >= 40, 25, "the scheduler to settle every journey")
        wait_for(lambda: store.position() >= (app.recorder.max_notification_id() or 0), 10, "the projection runner")
    finally:
        stop(scheduler)
    with store.read() as cur:
        incremental = cur.run("SELECT count(*) AS n FROM read_journeys").one()["n"]
    assert incremental == 40
    report = rebuild(app, store, swap=False)
    assert report.equal, report.differences[:5]
    assert report.compared == 40
    assert_verified(app)
