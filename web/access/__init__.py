"""The access log in the web app: every read of patient data is recorded (``recording``), and
auditors review the log by person, journey and time (``views``)."""

from __future__ import annotations

from web.layout import page_blueprint

bp = page_blueprint("access", __name__, url_prefix="/audit/access")

ACCESS_ROLES = ("auditor", "admin")

from web.access import recording, views  # noqa: E402,F401  (hook and routes register on import)
