"""A PostgreSQL outage under the running app (a private server, stopped and started again by the test):
every request meanwhile is a 503 ``store_unavailable`` with ``Retry-After`` within 5 s, on the API and
on the pages, with one log line each and no traceback; once the server is back the app answers 200
again without a single 500 (stale pooled connections are checked before use)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from careplan.domain.values import Actor
from tests.private_postgres import PrivateServer, binaries
from tests.web.conftest import FAST_HASH, People

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ANSWER_WITHIN = 5.0
BACK_WITHIN = 30.0


@pytest.fixture
def server() -> Iterator[PrivateServer]:
    bindir = binaries()
    if bindir is None:
        if os.environ.get("CAREPLAN_REQUIRE_POSTGRES", "") not in ("", "0", "false", "no"):
            pytest.fail("CAREPLAN_REQUIRE_POSTGRES is set but no initdb is installed")
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) to start a private server")
    private = PrivateServer(bindir)
    private.start()
    yield private
    private.remove()


@pytest.fixture
def web(server: PrivateServer, tmp_path: Path) -> Iterator[Flask]:
    from web.app import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only-" + "k" * 32,
            "CAREPLAN_ENV": {"CAREPLAN_DATABASE_URL": server.url, "CAREPLAN_INSTANCE": str(tmp_path / "instance"), "CAREPLAN_MODE": "demo"},
            "CAREPLAN_PASSWORD_METHOD": FAST_HASH,
        }
    )
    yield app
    if app.extensions.get("careplan") is not None:
        app.extensions["careplan"].close()


def timed(client: FlaskClient, path: str, **kwargs: object) -> tuple[int, float, object]:
    started = time.monotonic()
    answer = client.get(path, **kwargs)  # type: ignore[arg-type]
    return answer.status_code, time.monotonic() - started, answer


def test_an_outage_is_503_with_retry_after_then_200_again(
    server: PrivateServer, web: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    people = People(web)
    headers = people.headers("coordinator")
    page = web.test_client()
    people.login(page, "coordinator")
    api = web.test_client()
    created = api.post("/api/v1/journeys", json={"patient_ref": "MRN-OUTAGE-1"}, headers=headers)
    journey = f"/api/v1/journeys/{created.get_json()['id']}"
    assert api.get(journey, headers=headers).status_code == 200
    assert page.get("/dashboard").status_code == 200

    server.stop()
    caplog.clear()
    caplog.set_level(logging.INFO)
    failures = 0
    for _ in range(2):
        status, took, answer = timed(api, journey, headers=headers)
        assert (status, answer.get_json()["code"]) == (503, "store_unavailable")  # type: ignore[attr-defined]
        assert took < ANSWER_WITHIN and answer.headers["Retry-After"] == "5"  # type: ignore[attr-defined]
        status, took, answer = timed(page, "/dashboard")
        assert status == 503 and took < ANSWER_WITHIN and answer.headers["Retry-After"] == "5"  # type: ignore[attr-defined]
        assert "does not answer" in answer.get_data(as_text=True)  # type: ignore[attr-defined]
        failures += 2
    assert web.test_client().get("/health").status_code == 200
    status, took, _ = timed(web.test_client(), "/ready")
    assert status == 503 and took < 2.5

    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == failures, [r.getMessage() for r in lines]
    assert all(r.name == "careplan.web" and "store unavailable" in r.getMessage() and r.exc_info is None for r in lines)

    server.start()
    answers: list[int] = []
    deadline = time.monotonic() + BACK_WITHIN
    while time.monotonic() < deadline:
        answers.append(api.get(journey, headers=headers).status_code)
        answers.append(page.get("/dashboard").status_code)
        if answers[-2:] == [200, 200]:
            break
        time.sleep(0.2)
    assert answers[-2:] == [200, 200], answers
    assert set(answers) <= {200, 503}, answers  # never a 500 from a stale pooled connection
    for _ in range(5):
        assert api.get(journey, headers=headers).status_code == 200
        assert page.get("/dashboard").status_code == 200
    assert web.test_client().get("/ready").status_code == 200


def test_the_app_started_during_an_outage_serves_once_the_store_is_back(server: PrivateServer, web: Flask) -> None:
    server.stop()
    client = web.test_client()
    assert client.get("/health").status_code == 200
    assert client.get("/ready").status_code == 503
    assert client.get("/api/v1/journeys", headers={"Authorization": "Bearer cp1.x.y"}).status_code == 503
    server.start()
    deadline = time.monotonic() + BACK_WITHIN
    while client.get("/ready").status_code != 200:
        assert time.monotonic() < deadline, "not ready again after the server came back"
        time.sleep(0.2)
    people = People(web)
    token = people.users().add("late", "coordinator", actor=Actor("tests", "admin")).token
    assert client.get("/api/v1/journeys", headers={"Authorization": f"Bearer {token}"}).status_code == 200
