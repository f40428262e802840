"""Access to the careplan application from views: one instance per process, made on first use.

Made lazily, not in the factory, so that a gunicorn worker builds its own after fork (each instance
opens its own PostgreSQL pool).
"""

from __future__ import annotations

from flask import current_app

from careplan.application import CarePlan
from careplan.entrypoints.bootstrap import build_app


def careplan() -> CarePlan:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    instance = app.extensions.get("careplan")
    if instance is None:
        clock = app.config.get("CAREPLAN_CLOCK")
        kwargs = {"clock": clock} if clock else {}
        instance = build_app(app.config["CAREPLAN_ENV"], **kwargs)
        from web.clinic import EXTENSION

        if EXTENSION in app.extensions and instance.chairs is not None:
            instance.chairs.clinic = app.extensions[EXTENSION]  # the one clinic the pages show
        app.extensions["careplan"] = instance
    return instance
