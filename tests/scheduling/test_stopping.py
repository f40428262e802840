"""SIGTERM to the active scheduler in the middle of a backlog (DESIGN 7.4): it stops within 10 seconds,
leaves its lock, and the standby takes over and finishes the work, each event still recorded once.

Real processes and a real signal on PostgreSQL. The backlog: a thousand journeys, none yet in the read
views, each owing two system events; the first catch-up and sweep of that take far longer than the
time between the signal and the exit.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time

import pytest

from tests.scheduling.test_processes import (
    assert_exactly_once,
    count_overdue_rows,
    lock_holders,
    open_backdated,
    spawn,
    stop,
    wait_for,
)

pytestmark = pytest.mark.postgres
JOURNEYS = 1000
STOPS_WITHIN = 10.0


class Lines:
    """A process's output, read as it comes (the test waits for what the standby says)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._reader.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)

    def says(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def all(self) -> str:
        self._reader.join(timeout=15)
        return "".join(self.lines)


def test_sigterm_at_a_backlog_stops_the_leader_within_10_s_and_the_standby_takes_over(make_app, postgres_url):
    app = make_app(postgres_url)
    open_backdated(app, JOURNEYS)
    leader = spawn(postgres_url, "scheduler", "--interval", "0.5")
    standby = None
    try:
        wait_for(lambda: lock_holders(postgres_url) == [leader.pid], 30, "the first scheduler to lead")
        standby = spawn(postgres_url, "scheduler", "--interval", "0.5")
        said = Lines(standby)
        wait_for(lambda: said.says("standing by"), 30, "the standby to stand by")
        wait_for(lambda: count_overdue_rows(postgres_url) >= 5, 60, "the leader to start sweeping", poll=0.05)
        leader.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        leader.wait(timeout=STOPS_WITHIN + 5)
        took = time.monotonic() - signalled
        at_stop = count_overdue_rows(postgres_url)
        assert took < STOPS_WITHIN, f"the scheduler took {took:.1f} s to stop"
        assert leader.returncode == 0
        assert at_stop < JOURNEYS, "the sweep finished before the signal: make the backlog longer"
        wait_for(lambda: lock_holders(postgres_url) == [standby.pid], 15, "the standby to take the lock")
        wait_for(lambda: count_overdue_rows(postgres_url) >= JOURNEYS, 120, "the standby to finish the sweep")
        time.sleep(1.0)
    finally:
        first = stop(leader)
        if standby is not None and standby.poll() is None:
            standby.send_signal(signal.SIGTERM)
            standby.wait(timeout=STOPS_WITHIN + 5)
        second = said.all() if standby is not None else ""
    assert "active scheduler" in first, first
    assert "active scheduler" in second, second
    assert "Traceback" not in first + second, first + second
    assert_exactly_once(postgres_url, JOURNEYS)
