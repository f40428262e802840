"""The composition root: reads the environment and builds one application for this process.

Built on demand, never at import: each process (a gunicorn worker, a scheduler) makes its own after
fork, because each application instance opens its own PostgreSQL pool.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

from eventsourcing.persistence import InternalError

from careplan.booking import ChairLedger
from careplan.application import CarePlan, Clock, system_clock
from careplan.security import require_encryption
from careplan.settings import store_settings
from events.clinic_file import clinic_settings
from events.protocol_file import default_protocols


def build_app(environ: Mapping[str, str] | None = None, clock: Clock = system_clock, *, demo: bool = False) -> CarePlan:
    """The one way a process opens the store, so production mode is enforced here and nowhere else:
    without ``CAREPLAN_CIPHER_KEY`` (and not in demo mode) it refuses before any row is read or written."""
    env = dict(os.environ if environ is None else environ)
    require_encryption(env, demo=demo)
    protocols = default_protocols(env.get("CAREPLAN_PROTOCOLS_DIR") or None)
    clinic = clinic_settings(env)
    app = starting_up(lambda: CarePlan(store_settings(env), protocols, clock=clock))
    app.chairs = ChairLedger(app, clinic)
    return app


T = TypeVar("T")
STARTUP_ATTEMPTS = 5


def starting_up(make: Callable[[], T]) -> T:
    """Retries building an application when several processes start at once on PostgreSQL: the
    library runs CREATE OR REPLACE FUNCTION on every start, and two at the same moment make
    PostgreSQL refuse one with "tuple concurrently updated" (gunicorn workers, schedulers)."""
    for attempt in range(1, STARTUP_ATTEMPTS + 1):
        try:
            return make()
        except InternalError as error:
            if "concurrently" not in str(error) or attempt == STARTUP_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")
