"""``GET /metrics``: Prometheus' text format, from prometheus_client.

- ``careplan_http_requests_total{route, method, status}`` and ``careplan_http_request_duration_seconds
  {route, method}``: the route is the URL rule (``/api/v1/journeys/<uuid:journey_id>``), never the
  path, so no id reaches a label; requests that match no rule are ``unmatched``;
- ``careplan_sweep_duration_seconds`` and ``careplan_sweep_journeys_total`` (``careplan.adapters.metrics``);
- measured when scraped: ``careplan_view_lag_events`` (events stored but not yet in the views),
  ``careplan_journeys_due`` (journeys owing something now), ``careplan_db_pool_*`` (this process's pool).

Values are per process. With gunicorn's several workers set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
folder for all of them (and the scheduler): a scrape then adds up every process's requests and sweeps
(prometheus_client's multiprocess mode); the values measured when scraped are the answering worker's.

Allowed with a bearer token of role ``admin``, or from loopback when no proxy forwarded the request
(a proxy on the same machine would make every visitor look local).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from time import perf_counter
from typing import Any

from flask import Flask, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from werkzeug.wrappers import Response

from careplan.adapters import event_tables
from careplan.adapters import metrics as process_metrics
from careplan.adapters.settings import ConfigError
from careplan.application import CarePlan, system_clock
from events.read.runtime import read_store_for
from web.auth.accounts import users
from web.errors import STORE_DOWN, problem
from web.services import careplan

REQUESTS = Counter(
    "careplan_http_requests", "Requests answered, by URL rule, method and status.", ["route", "method", "status"], registry=None
)
LATENCY = Histogram(
    "careplan_http_request_duration_seconds",
    "Time from a request's arrival to its answer's start, by URL rule and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10),
    registry=None,
)
ROUTE_KEY = "careplan.route"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LOOPBACK = frozenset({"127.0.0.1", "::1"})
FORWARDED = ("X-Forwarded-For", "Forwarded", "X-Real-IP")
MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"
REFUSED: tuple[type[Exception], ...] = (*STORE_DOWN, ConfigError)


def refusal() -> Response | None:
    """None when the scrape is allowed; else 401 without a usable token from elsewhere than loopback,
    403 for a token of another role (JSON, like the API: the caller is a program)."""
    header = request.headers.get("Authorization", "").strip()
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        actor = users().actor_for_token(token.strip())
        if actor is None:
            return problem(401, "invalid_token", "The token is not valid.")
        if actor.role != "admin":
            return problem(403, "forbidden", "Metrics are for the admin role.")
        return None
    if request.remote_addr in LOOPBACK and not any(name in request.headers for name in FORWARDED):
        return None
    answer = problem(401, "token_required", "Send an admin's API token as 'Authorization: Bearer TOKEN', or ask from this machine.")
    answer.headers["WWW-Authenticate"] = 'Bearer realm="careplan"'
    return answer


def exposition() -> tuple[bytes, str]:
    registry = CollectorRegistry()  # not auto_describe: that would run the measured queries twice
    if os.environ.get(MULTIPROC):
        multiprocess.MultiProcessCollector(registry)  # every process's files: requests, latency, sweeps
    else:
        for metric in (REQUESTS, LATENCY, process_metrics.SWEEP_SECONDS, process_metrics.SWEPT_JOURNEYS):
            registry.register(metric)
    registry.register(Measured())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class Measured(Collector):
    """What is read when scraped: the views' lag, the journeys due, this process's pool."""

    def collect(self) -> Iterator[Metric]:
        plan = None
        try:
            plan = careplan()
            yield from _store_gauges(plan)
        except REFUSED:
            pass  # the store's gauges are missing from this scrape; /ready says why
        if plan is not None:
            yield from _pool_gauges(plan)


def _store_gauges(plan: CarePlan) -> Iterable[Metric]:
    store = read_store_for(plan)
    stored = plan.recorder.max_notification_id() or 0
    lag = GaugeMetricFamily("careplan_view_lag_events", "Events stored but not yet taken into the read views.")
    lag.add_metric([], max(0, stored - store.position()))
    yield lag
    with store.read() as cur:
        row = cur.run("SELECT COUNT(*) AS n FROM read_due WHERE next_duty_ts <= ?", (system_clock().timestamp(),)).one()
    due = GaugeMetricFamily("careplan_journeys_due", "Journeys owing something now (due or overdue), from the views.")
    due.add_metric([], int(row["n"]))
    yield due


def _pool_gauges(plan: CarePlan) -> Iterable[Metric]:
    pool: Any = event_tables.pool_of(plan)
    if not hasattr(pool, "get_stats"):
        return  # SQLite: one connection per thread, no pool
    stats = pool.get_stats()
    for name, key, text in (
        ("careplan_db_pool_connections", "pool_size", "Connections this process holds open."),
        ("careplan_db_pool_idle", "pool_available", "Of those, connections waiting in the pool."),
        ("careplan_db_pool_waiting", "requests_waiting", "Requests waiting for a connection."),
    ):
        gauge = GaugeMetricFamily(name, text)
        gauge.add_metric([], stats.get(key, 0))
        yield gauge
    limit = GaugeMetricFamily("careplan_db_pool_max", "Connections this process may hold (pool size + overflow).")
    limit.add_metric([], pool.max_size)
    yield limit


def measure(app: Flask) -> None:
    """Counts every answer, including those given before a URL rule matched (a session the store could
    not open), by wrapping the WSGI app; the rule is noted by a before-request hook."""

    @app.before_request
    def note_route() -> None:
        request.environ[ROUTE_KEY] = request.url_rule.rule if request.url_rule else "unmatched"

    app.wsgi_app = Measuring(app, app.wsgi_app)  # type: ignore[method-assign]


class Measuring:
    def __init__(self, app: Flask, wsgi: Any) -> None:
        self.app = app
        self.wsgi = wsgi

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        started = perf_counter()
        status: list[str] = []

        def starting(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(code.split(" ", 1)[0])
            return start_response(code, headers, exc_info)

        try:
            return self.wsgi(environ, starting)
        finally:
            route = environ.get(ROUTE_KEY) or self._rule(environ)
            method = environ.get("REQUEST_METHOD", "")
            method = method if method in METHODS else "other"
            REQUESTS.labels(route, method, status[0] if status else "500").inc()
            LATENCY.labels(route, method).observe(perf_counter() - started)

    def _rule(self, environ: dict[str, Any]) -> str:
        try:
            rule, _ = self.app.url_map.bind_to_environ(environ).match(return_rule=True)
            return str(rule.rule)
        except Exception:  # no rule matches (a 404), or the method is not allowed
            return "unmatched"
