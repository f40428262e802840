"""A process holds at most CAREPLAN_DB_POOL_SIZE + CAREPLAN_DB_MAX_OVERFLOW connections, whatever it
opens: the application, the read views, sessions, the access log, and a scheduler's projection runner
and leader lock, counted in pg_stat_activity for the test's own database under concurrent load."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest
from flask import Flask

from careplan.adapters.settings import ConfigError, store_settings
from tests.application.test_concurrency import assert_verified
from tests.web.conftest import FAST_HASH, People
from web.app import create_app

POOL_SIZE, MAX_OVERFLOW = 2, 3
THREADS = 6
ROUNDS = 6


def test_the_pool_settings_reach_the_library_and_are_checked() -> None:
    url = "postgresql://app@db.example:5432/careplan"
    env = store_settings({"CAREPLAN_DATABASE_URL": url, "CAREPLAN_DB_POOL_SIZE": "3", "CAREPLAN_DB_MAX_OVERFLOW": "0"}).library_env()
    assert (env["POSTGRES_POOL_SIZE"], env["POSTGRES_MAX_OVERFLOW"]) == ("3", "0")
    default = store_settings({"CAREPLAN_DATABASE_URL": url})
    assert (default.pool.size, default.pool.max_overflow, default.pool.budget) == (5, 10, 15)
    for name, value in (("CAREPLAN_DB_POOL_SIZE", "0"), ("CAREPLAN_DB_MAX_OVERFLOW", "-1"), ("CAREPLAN_DB_STATEMENT_TIMEOUT", "soon")):
        with pytest.raises(ConfigError, match=name):
            store_settings({"CAREPLAN_DATABASE_URL": url, name: value})


@pytest.fixture
def web(postgres_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only-" + "k" * 32,
            "CAREPLAN_ENV": {
                "CAREPLAN_DATABASE_URL": postgres_url,
                "CAREPLAN_INSTANCE": str(tmp_path / "instance"),
                "CAREPLAN_MODE": "demo",
                "CAREPLAN_DB_POOL_SIZE": str(POOL_SIZE),
                "CAREPLAN_DB_MAX_OVERFLOW": str(MAX_OVERFLOW),
            },
            "CAREPLAN_PASSWORD_METHOD": FAST_HASH,
        }
    )
    yield app
    if app.extensions.get("careplan") is not None:
        app.extensions["careplan"].close()


class Peak:
    """Samples the connections to one database, from a connection to another, until stopped."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.database = parsed.path.lstrip("/")
        self.admin = psycopg.connect(host=parsed.hostname, port=parsed.port, user=parsed.username, dbname="postgres", autocommit=True)
        self.highest = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.admin.close()

    def _sample(self) -> None:
        while not self._stop.is_set():
            row = self.admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (self.database,)).fetchone()
            self.highest = max(self.highest, int(row[0]) if row else 0)
            time.sleep(0.01)


@pytest.mark.postgres
def test_a_web_process_with_its_scheduler_keeps_within_its_budget(web: Flask, postgres_url: str) -> None:
    from careplan.entrypoints.scheduling.runner import CareScheduler
    from web.services import careplan

    people = People(web)
    headers = people.headers("coordinator")
    with web.app_context():
        scheduler = CareScheduler(careplan(), interval=0.3, lead_interval=0.2, follow_interval=0.2)
    statuses: list[int] = []

    # Signed in one after another: six sign-ins of one account from one address at the same instant
    # would meet the sign-in limit (each counts as failed until judged), which is not what this measures.
    pages = [web.test_client() for _ in range(THREADS)]
    for page in pages:
        people.login(page, "coordinator")

    def work(n: int) -> None:
        api, page = web.test_client(), pages[n]
        for i in range(ROUNDS):
            made = api.post("/api/v1/journeys", json={"patient_ref": f"MRN-BUDGET-{n}-{i}"}, headers=headers)
            statuses.append(made.status_code)
            statuses.append(api.get(f"/api/v1/journeys/{made.get_json()['id']}", headers=headers).status_code)
            statuses.append(api.get("/api/v1/worklists", headers=headers).status_code)
            statuses.append(page.get("/dashboard").status_code)

    with Peak(postgres_url) as peak:
        scheduler.start()
        try:
            time.sleep(0.5)  # the scheduler leads: its lock, its projection runner and follower are open
            workers = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        finally:
            scheduler.stop()
    assert scheduler.sweeps >= 1
    assert set(statuses) <= {200, 201}, sorted(set(statuses))
    assert 2 <= peak.highest <= POOL_SIZE + MAX_OVERFLOW
    with web.app_context():
        assert_verified(careplan())  # six threads wrote beside the scheduler: the store still verifies
