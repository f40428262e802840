"""The auditor's pages: a journey as of any version or moment, the difference between two versions,
the full event log with actor, times and reason, the chain check, and the history as a download."""

from __future__ import annotations

from web.layout import page_blueprint

bp = page_blueprint("audit", __name__, url_prefix="/audit")

AUDIT_ROLES = ("auditor", "admin")

from web.audit import views  # noqa: E402,F401  (routes register on import)
