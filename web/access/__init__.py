"""The access log in the web app: every read of patient data is recorded (``recording``), and
auditors review the log by person, journey and time (``views``)."""

from __future__ import annotations

from web.access import recording, views  # noqa: F401  (hook and routes register on import)
from web.access.blueprint import ACCESS_ROLES, bp

__all__ = ["ACCESS_ROLES", "bp"]
