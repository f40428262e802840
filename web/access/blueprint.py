"""The access log pages' blueprint and who may see them, apart from the package that imports the views."""

from __future__ import annotations

from web.layout import page_blueprint

bp = page_blueprint("access", __name__.rsplit(".", 1)[0], url_prefix="/audit/access")
ACCESS_ROLES = ("auditor", "admin")
