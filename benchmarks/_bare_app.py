"""The baseline that ``benchmarks/api.py`` serves beside careplan's API: Flask and the eventsourcing
library, nothing of careplan.

    gunicorn -w 4 'benchmarks._bare_app:create_app()'

``POST /counters/{id}/events`` with a JSON body ``{"by": 1, "text": "..."}`` does the library's work for
one event: get the aggregate by id, trigger one event, save, and answers 201 with the new version
(404 for an unknown id). No authentication, no schema, no rules: only what any event-sourced endpoint
on this library has to do. ``GET /ready`` answers 200 once the process listens.

The store comes from the library's own environment variables (``PERSISTENCE_MODULE``,
``POSTGRES_DBNAME`` ...; ``CIPHER_TOPIC`` and ``CIPHER_KEY`` for encryption), read by the library
itself. The application is built lazily in each worker after fork (each opens its own pool), and snapshots
every 50 events, as careplan does by default, so a get costs the same whatever the counter's length.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import InternalError
from flask import Flask, abort, request

SNAPSHOT_INTERVAL = 50
"""careplan's default (``CAREPLAN_SNAPSHOT_INTERVAL``)."""


class Counter(Aggregate):
    """The trivial aggregate: one event type, an integer and the last text it was sent."""

    def __init__(self) -> None:
        self.count = 0
        self.text = ""

    @event("Incremented")
    def increment(self, by: int, text: str) -> None:
        self.count += by
        self.text = text


class Bare(Application):
    name = "bare"
    snapshotting_intervals = {Counter: SNAPSHOT_INTERVAL}


def build() -> Bare:
    """Several workers starting at once on PostgreSQL can have one refused with "tuple concurrently
    updated" (the library's CREATE OR REPLACE FUNCTION at start); retried, as careplan's bootstrap does."""
    for attempt in range(1, 6):
        try:
            return Bare()
        except InternalError as error:
            if "concurrently" not in str(error) or attempt == 5:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def create_app() -> Flask:
    app = Flask(__name__)

    def bare() -> Bare:
        instance = app.extensions.get("bare")
        if instance is None:
            instance = app.extensions["bare"] = build()
        return instance

    @app.get("/ready")
    def ready() -> str:
        return "ok"

    @app.post("/counters/<uuid:counter_id>/events")
    def record(counter_id: UUID) -> tuple[dict[str, Any], int]:
        body = request.get_json()
        application = bare()
        try:
            counter: Counter = application.repository.get(counter_id)
        except AggregateNotFoundError:
            abort(404)
        counter.increment(int(body["by"]), str(body["text"]))
        application.save(counter)
        return {"id": str(counter_id), "version": counter.version}, 201

    return app
