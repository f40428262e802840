"""The composition root: reads the environment and builds one application for this process.

Built on demand, never at import: each process (a gunicorn worker, a scheduler) makes its own after
fork, because each application instance opens its own PostgreSQL pool.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from careplan.adapters.schema import require_event_store, resolved
from careplan.adapters.security import require_encryption
from careplan.adapters.settings import store_settings
from careplan.application import CarePlan, Clock, system_clock
from careplan.booking import ChairLedger
from careplan.entrypoints.db_setup import require_current
from careplan.messaging.settings import messaging_settings
from careplan.services import build_services
from careplan.startup import starting_up
from events.clinic_file import clinic_settings
from events.protocol_file import default_protocols
from events.read.runtime import build_read_model


def build_app(environ: Mapping[str, str] | None = None, clock: Clock = system_clock, *, demo: bool = False) -> CarePlan:
    """The one way a process opens the store, so production mode is enforced here and nowhere else:
    without ``CAREPLAN_CIPHER_KEY`` (and not in demo mode) it refuses before any row is read or written."""
    env = dict(os.environ if environ is None else environ)
    require_encryption(env, demo=demo)
    protocols = default_protocols(env.get("CAREPLAN_PROTOCOLS_DIR") or None, env.get("CAREPLAN_PROTOCOL_VERSION"))
    clinic = clinic_settings(env)
    messaging = messaging_settings(env, clinic)
    settings = resolved(store_settings(env))
    app = starting_up(lambda: CarePlan(settings, protocols, clock=clock))
    try:
        require_event_store(app)
        require_current(app)
    except BaseException:
        app.close()
        raise
    try:
        app.chairs = ChairLedger(app, clinic)
        app.services = build_services(app, messaging)
        app.read_model = build_read_model(app)
    except BaseException:
        app.close()
        raise
    return app


__all__ = ["build_app", "starting_up"]
