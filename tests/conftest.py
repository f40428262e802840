"""Shared fixtures: real stores (a SQLite file, a fresh PostgreSQL database), protocols and a clock.

PostgreSQL tests skip when no server answers locally, unless CAREPLAN_REQUIRE_POSTGRES=1 (set by
.ci/run), which turns that skip into a failure: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from careplan.adapters.settings import StoreSettings
from careplan.application import CarePlan
from careplan.domain.protocol import ProtocolRegistry
from events.protocol_file import default_protocols

os.environ.setdefault("CAREPLAN_MODE", "demo")
"""Production mode (the default) refuses to open a store without CAREPLAN_CIPHER_KEY; the tests write
synthetic data only, so commands they run (in this process or in a subprocess) are in demo mode unless
a test says otherwise (tests of production mode delete this variable)."""

os.environ.setdefault("CAREPLAN_PROTOCOL_VERSION", "1")
"""New journeys open on ketamine-trd version 1 in the tests unless a test names a version: the suite
was written against version 1, and version 2's tests open on it by name (DESIGN 7.6)."""

PG_HOST = os.environ.get("CAREPLAN_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("CAREPLAN_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("CAREPLAN_TEST_PG_USER", "postgres")


def _require(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false", "no")


def _admin_connect():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True, connect_timeout=3
    )


def postgres_available() -> bool:
    try:
        with _admin_connect():
            return True
    except Exception:
        return False


class Clock:
    """A clock the test moves by hand, so rules about days and hours are tested without waiting."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))


@pytest.fixture(scope="session")
def protocols() -> ProtocolRegistry:
    return default_protocols()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'careplan.sqlite'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A database of its own for each test, dropped afterwards, so tests never see each other's rows."""
    if not postgres_available():
        if _require("CAREPLAN_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required (CAREPLAN_REQUIRE_POSTGRES) but {PG_HOST}:{PG_PORT} does not answer")
        pytest.skip("no PostgreSQL server answers; CI sets CAREPLAN_REQUIRE_POSTGRES=1 to require it")
    name = f"careplan_test_{uuid.uuid4().hex[:12]}"
    with _admin_connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with _admin_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on the embedded SQLite store and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def make_app(protocols: ProtocolRegistry) -> Iterator[Callable[..., CarePlan]]:
    """Builds applications and closes them (and their connection pools) at the end of the test."""
    made: list[CarePlan] = []

    def make(url: str, clock: Callable[[], datetime] | None = None, **settings: object) -> CarePlan:
        app = CarePlan(StoreSettings(url=url, **settings), protocols, clock=clock or Clock(datetime.now(timezone.utc)))  # type: ignore[arg-type]
        made.append(app)
        return app

    yield make
    for app in made:
        app.close()


@pytest.fixture
def app(make_app: Callable[..., CarePlan], store_url: str, clock: Clock) -> CarePlan:
    return make_app(store_url, clock)
