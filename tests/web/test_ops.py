"""/health, /ready and /metrics: what a load balancer and Prometheus ask, answered without signing in,
without patient data, and on both stores; a wrong key or a database that does not answer still starts."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.cryptography import AESCipher
from flask import Flask

from careplan.domain.values import Actor
from careplan.entrypoints.bootstrap import build_app
from tests.conftest import Clock
from tests.web.conftest import FAST_HASH, People
from web.app import create_app

MRN = "MRN-OPS-77"


def web_app(url: str, tmp_path: Path, clock: Clock | None = None, **env: str) -> Flask:
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-only-" + "k" * 32,
        "CAREPLAN_ENV": {"CAREPLAN_DATABASE_URL": url, "CAREPLAN_INSTANCE": str(tmp_path / "instance"), "CAREPLAN_MODE": "demo", **env},
        "CAREPLAN_PASSWORD_METHOD": FAST_HASH,
    }
    if clock is not None:
        config["CAREPLAN_CLOCK"] = clock
    return create_app(config)


@pytest.fixture
def made() -> Iterator[list[Flask]]:
    apps: list[Flask] = []
    yield apps
    for app in apps:
        if app.extensions.get("careplan") is not None:
            app.extensions["careplan"].close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_working_store_is_healthy_and_ready(store_url: str, tmp_path: Path, made: list[Flask]) -> None:
    app = web_app(store_url, tmp_path)
    made.append(app)
    client = app.test_client()
    assert (client.get("/health").status_code, client.get("/health").get_json()) == (200, {"status": "ok"})
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "checks": {"store": "ok", "key": "ok", "schema": "ok"}}


def test_a_wrong_key_starts_but_is_not_ready(store_url: str, tmp_path: Path, made: list[Flask]) -> None:
    writer = build_app({"CAREPLAN_DATABASE_URL": store_url, "CAREPLAN_CIPHER_KEY": AESCipher.create_key(32), "CAREPLAN_MODE": "demo"})
    writer.open_journey(MRN, actor=Actor("c", "coordinator"))
    writer.close()
    app = web_app(store_url, tmp_path, CAREPLAN_CIPHER_KEY=AESCipher.create_key(32))  # not the writer's key
    made.append(app)
    client = app.test_client()
    assert client.get("/health").status_code == 200
    ready = client.get("/ready")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["status"] == "not_ready" and body["checks"]["store"] == "ok"
    assert "CAREPLAN_CIPHER_KEY" in body["checks"]["key"]
    assert MRN not in ready.get_data(as_text=True)


@pytest.mark.parametrize("create_tables", ["auto", "no"])
def test_a_database_that_does_not_answer_starts_healthy_and_unready(tmp_path: Path, create_tables: str) -> None:
    """Even for a role that may not create tables (where a missing schema stops the app at build), a
    server that does not answer is an outage: the process starts and says so."""
    url = f"postgresql://careplan@127.0.0.1:{free_port()}/careplan"
    app = web_app(url, tmp_path, CAREPLAN_CREATE_TABLES=create_tables)
    client = app.test_client()
    assert client.get("/health").status_code == 200
    started = time.monotonic()
    ready = client.get("/ready")
    assert time.monotonic() - started < 2.5
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["store"] != "ok"
    api = client.get("/api/v1/journeys", headers={"Authorization": "Bearer cp1.x.y"})
    assert api.status_code == 503 and api.get_json()["code"] == "store_unavailable"
    assert api.headers["Retry-After"] == "5"


def test_an_old_read_model_is_not_ready(sqlite_url: str, tmp_path: Path, made: list[Flask]) -> None:
    app = web_app(sqlite_url, tmp_path)
    made.append(app)
    client = app.test_client()
    assert client.get("/ready").status_code == 200
    from events.read.runtime import read_store_for
    from events.read.store import SCHEMA_MARKER, TRACKING
    from web.services import careplan

    with app.app_context():
        store = read_store_for(careplan())
        with store.write() as cur:
            cur.run(f"UPDATE {TRACKING} SET notification_id = 1 WHERE application_name = ?", (SCHEMA_MARKER,))
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert "careplan db setup" in ready.get_json()["checks"]["schema"]


def test_probes_open_no_session_and_leave_no_access_entry(app: Flask, people: People) -> None:
    client = app.test_client()
    people.login(client, "admin")
    reads_before = _access_entries(app)
    for path in ("/health", "/ready", "/metrics"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert "Set-Cookie" not in answer.headers
    assert _access_entries(app) == reads_before


def _access_entries(app: Flask) -> int:
    from careplan.audit.access_log import access_log_for
    from web.services import careplan

    with app.app_context():
        return len(list(access_log_for(careplan()).chain()))


def test_metrics_need_an_admin_token_or_loopback(app: Flask, people: People) -> None:
    client = app.test_client()
    away = {"REMOTE_ADDR": "192.0.2.10"}
    assert client.get("/metrics").status_code == 200  # the test client asks from 127.0.0.1
    refused = client.get("/metrics", environ_base=away)
    assert refused.status_code == 401 and refused.get_json()["code"] == "token_required"
    assert client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"}).status_code == 401  # via a local proxy
    assert client.get("/metrics", environ_base=away, headers=people.headers("clinician")).status_code == 403
    assert client.get("/metrics", environ_base=away, headers={"Authorization": "Bearer cp1.nope.nope"}).status_code == 401
    allowed = client.get("/metrics", environ_base=away, headers=people.headers("admin"))
    assert allowed.status_code == 200
    assert allowed.headers["Content-Type"].startswith("text/plain; version=")


def test_metrics_count_requests_by_url_rule_never_by_id(store_url: str, tmp_path: Path, clock: Clock, made: list[Flask]) -> None:
    app = web_app(store_url, tmp_path, clock)
    made.append(app)
    people = People(app)
    headers = people.headers("coordinator")
    client = app.test_client()
    journey = client.post("/api/v1/journeys", json={"patient_ref": MRN}, headers=headers).get_json()["id"]
    assert client.get(f"/api/v1/journeys/{journey}", headers=headers).status_code == 200
    client.get("/no/such/page/4711")
    text = client.get("/metrics").get_data(as_text=True)
    assert journey not in text and MRN not in text and "/no/such/page" not in text  # (a timestamp may hold 4711)
    assert 'careplan_http_requests_total{method="GET",route="/api/v1/journeys/<uuid:journey_id>",status="200"}' in text
    assert 'route="unmatched",status="404"' in text
    assert 'careplan_http_request_duration_seconds_bucket{le="0.1",method="GET",route="/api/v1/journeys/<uuid:journey_id>"}' in text
    pairs = [line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#")]
    samples = {name: float(value) for name, value in pairs}  # a label may hold a space (<any(a, b):x>)
    assert samples["careplan_view_lag_events"] >= 0
    assert samples["careplan_journeys_due"] >= 0
    assert "careplan_sweep_duration_seconds_count" in samples
    if store_url.startswith("postgresql"):
        assert 1 <= samples["careplan_db_pool_connections"] <= samples["careplan_db_pool_max"] == 15


def test_gunicorns_access_log_leaves_the_probes_out(app: Flask) -> None:
    import logging

    access = logging.getLogger("gunicorn.access")

    def kept(path: str) -> bool:
        record = access.makeRecord("gunicorn.access", logging.INFO, __file__, 1, '"%(m)s %(U)s" %(s)s', (), None)
        record.args = {"m": "GET", "U": path, "s": "200"}  # gunicorn's atoms
        return access.filter(record)

    assert not kept("/health") and not kept("/ready") and not kept("/metrics")
    assert kept("/dashboard")
