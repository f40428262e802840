"""The auditor pages' blueprint and who may see them, apart from the package that imports the views."""

from __future__ import annotations

from web.layout import page_blueprint

bp = page_blueprint("audit", __name__.rsplit(".", 1)[0], url_prefix="/audit")
AUDIT_ROLES = ("auditor", "admin")
