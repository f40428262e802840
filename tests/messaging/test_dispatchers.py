"""Two dispatchers (``careplan scheduler`` processes: the leader dispatches, the other stands by), the
leader killed with SIGKILL mid-way through the outbox, then restarted: every queued message is settled
exactly once, none is lost, and the SMTP server received every Message-ID. A message handed over
just before the kill may be handed over again by the new leader, with the same Message-ID (the
record still settles it once): such resends are counted and named, and at most the one in flight."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import pytest

from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.scheduling.sweep import sweep
from careplan.messaging import questionnaires
from careplan.patients import Patients
from events.read.runtime import read_store_for
from tests.messaging.servers import smtp_server
from tests.scheduling.cli import careplan_argv, careplan_env
from tests.scheduling.journeys import CLINICIAN

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 30


def queued_messages(url: str) -> dict[str, str]:
    """Each journey's link message, queued (by one sweep) and not yet sent: Message-ID by key."""
    app = build_app({"CAREPLAN_DATABASE_URL": url, "CAREPLAN_MODE": "demo"})
    try:
        for n in range(MESSAGES):
            journey = app.open_journey(f"MRN-OUT-{n}", actor=CLINICIAN)
            Patients(app).record(journey, {"email": f"patient{n}@home.example"}, actor=CLINICIAN)
            questionnaires.send_now(app, journey, "PHQ9", actor=CLINICIAN)
        sweep(app, read_store_for(app))
        return {
            f'<{f.data["key"]}/{j}@careplan>': f.data["key"]
            for j in app.journey_ids()
            for f in app.history(j)
            if f.type == "NotificationQueued"
        }
    finally:
        app.close()


def settlements(url: str) -> Counter[tuple[UUID, str]]:
    app = build_app({"CAREPLAN_DATABASE_URL": url, "CAREPLAN_MODE": "demo"})
    try:
        return Counter(
            (j, f.data["key"])
            for j in app.journey_ids()
            for f in app.history(j)
            if f.type in ("NotificationSent", "NotificationFailed")
        )
    finally:
        app.close()


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_two_dispatchers_a_sigkill_and_a_restart_settle_every_message_once(store_url: str, tmp_path: Path) -> None:
    expected = queued_messages(store_url)
    assert len(expected) == MESSAGES
    with smtp_server(tmp_path, delay=0.08) as smtp:
        env = careplan_env(store_url, SSL_CERT_FILE=str(smtp.cert_file), CAREPLAN_SMTP_URL=smtp.url)

        def spawn() -> subprocess.Popen[str]:
            argv = careplan_argv("scheduler", "--interval", "1")
            return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)

        first = spawn()
        running: list[subprocess.Popen[str]] = [first]
        try:
            wait_for(lambda: len(smtp.mailbox.messages) >= 1, 60, "the first scheduler to lead and send")
            running.append(spawn())  # the standby
            wait_for(lambda: len(smtp.mailbox.messages) >= MESSAGES // 3, 60, "a third of the outbox")
            first.send_signal(signal.SIGKILL)  # mid-way through the outbox, whatever it was doing
            first.wait(10)
            at_kill = len(smtp.mailbox.messages)
            assert at_kill < MESSAGES, "the kill came mid-way"
            wait_for(lambda: len(smtp.mailbox.messages) > at_kill, 60, "the standby to take over")
            running.append(spawn())  # the killed one restarted
            wait_for(lambda: sum(settlements(store_url).values()) >= MESSAGES, 90, "every message settled")
        finally:
            for process in running:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in running:
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()

        settled = settlements(store_url)
        assert len(settled) == MESSAGES and set(settled.values()) == {1}, "each message settled exactly once"
        received = Counter(smtp.mailbox.message_ids())
        assert set(received) == set(expected), "none lost: the SMTP server received every Message-ID"
        resent = sorted(expected[m] for m, n in received.items() if n > 1)
        assert sum(n - 1 for n in received.values()) <= 1, f"resent after the kill (same Message-ID): {resent}"
        assert all(smtp.mailbox.tls), "every message went over STARTTLS"


def test_tick_records_then_dispatches_once(store_url: str, tmp_path: Path) -> None:
    """``careplan tick`` on the command line: what fell due is recorded, then the outbox sent once."""
    expected = queued_messages(store_url)
    with smtp_server(tmp_path) as smtp:
        env = careplan_env(store_url, SSL_CERT_FILE=str(smtp.cert_file), CAREPLAN_SMTP_URL=smtp.url)
        ran = subprocess.run(careplan_argv("tick"), env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, ran.stderr
        assert f"outbox: {MESSAGES} sent, 0 failed, 0 waiting" in ran.stdout
        again = subprocess.run(careplan_argv("tick"), env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert "outbox: 0 sent, 0 failed, 0 waiting" in again.stdout
    assert Counter(smtp.mailbox.message_ids()) == Counter(set(expected))
    for line in ran.stdout.splitlines() + ran.stderr.splitlines():
        assert "@home.example" not in line and "/q/" not in line
