"""``GET /ready``: may this process take requests? Three checks, answered within ``READY_SECONDS``.

- ``store``: the database answers (the process's application is built, which also checks that the
  tables a role that may not create them needs are there, and one query runs);
- ``key``: ``CAREPLAN_CIPHER_KEY`` reads the latest stored event (a wrong key is not ready);
- ``schema``: the read model's tables are the version this code writes.

The checks run in a thread of their own, one at a time: a probe that finds one running waits for it,
and a store that does not answer within the time is a 503 at once, never a probe that hangs (the
thread ends at the pool's own time limit). Each answer is a fixed sentence: no patient data, no
error text from the database.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask

from careplan.adapters.settings import ConfigError, StoreUnreadable
from careplan.adapters.side_tables import SchemaMissing
from careplan.application import CarePlan
from events.read.runtime import read_store_for
from events.read.store import SCHEMA_MARKER, SCHEMA_VERSION, TRACKING
from web.errors import STORE_DOWN
from web.services import careplan

READY_SECONDS = 2.0
OK = "ok"
NOT_CHECKED = "not checked"
Checks = dict[str, str]


class Readiness:
    """One process's readiness checks; at most one run at a time."""

    def __init__(self, seconds: float = READY_SECONDS) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._running: tuple[threading.Thread, dict[str, Any]] | None = None

    def check(self, app: Flask) -> Checks:
        with self._lock:
            if self._running is None or not self._running[0].is_alive():
                result: dict[str, Any] = {}
                thread = threading.Thread(target=_run, args=(app, result), name="careplan-ready", daemon=True)
                thread.start()
                self._running = (thread, result)
            thread, result = self._running
        thread.join(self.seconds)
        if thread.is_alive():
            return {"store": f"no answer within {self.seconds:g} s", "key": NOT_CHECKED, "schema": NOT_CHECKED}
        return dict(result.get("checks") or {"store": "the check failed", "key": NOT_CHECKED, "schema": NOT_CHECKED})


def _run(app: Flask, result: dict[str, Any]) -> None:
    with app.app_context():
        result["checks"] = checks_of(app)


def checks_of(app: Flask) -> Checks:
    checks = {"store": NOT_CHECKED, "key": NOT_CHECKED, "schema": NOT_CHECKED}
    try:
        plan = careplan()
        last = plan.recorder.max_notification_id() or 0
        checks["store"] = OK
        checks["key"] = key_reads(plan, last)
        checks["schema"] = schema_is_current(plan)
    except STORE_DOWN:
        checks["store"] = "the database does not answer"
    except SchemaMissing:
        checks["store"] = OK
        checks["schema"] = "tables are missing: run `careplan db setup`"
    except StoreUnreadable:
        checks["store"] = OK
        checks["key"] = "CAREPLAN_CIPHER_KEY does not read the stored events"
    except ConfigError:
        checks["store"] = "a setting is malformed (see the log at start)"
    return checks


def key_reads(plan: CarePlan, last: int) -> str:
    """Decodes the latest stored event with this process's key (nothing to read is fine)."""
    if not last:
        return OK
    notifications = plan.recorder.select_notifications(start=last, limit=1)
    try:
        for notification in notifications:
            plan.mapper.to_domain_event(notification)
    except STORE_DOWN:
        raise
    except Exception:  # a wrong key fails its MAC check; a key where none was used fails to parse
        return "CAREPLAN_CIPHER_KEY does not read the stored events"
    return OK


def schema_is_current(plan: CarePlan) -> str:
    store = read_store_for(plan)
    with store.read() as cur:
        row = cur.run(f"SELECT notification_id FROM {TRACKING} WHERE application_name = ?", (SCHEMA_MARKER,)).one()
    version = int(row["notification_id"]) if row else 0
    if version != SCHEMA_VERSION:
        return f"the read model is version {version}, this code's is {SCHEMA_VERSION}: run `careplan db setup`"
    return OK
