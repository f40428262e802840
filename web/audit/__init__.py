"""The auditor's pages: a journey as of any version or moment, the difference between two versions,
the full event log with actor, times and reason, the chain check, and the history as a download."""

from __future__ import annotations

from web.audit import views  # noqa: F401  (routes register on import)
from web.audit.blueprint import AUDIT_ROLES, bp

__all__ = ["AUDIT_ROLES", "bp"]
