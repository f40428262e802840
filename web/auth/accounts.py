"""Access to people's accounts from views: one ``Users`` per process, on the process's application."""

from __future__ import annotations

from flask import current_app

from careplan.users import DEFAULT_PASSWORD_METHOD, Users
from web.services import careplan


def users() -> Users:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    service = app.extensions.get("careplan_users")
    if service is None:
        method = app.config.get("CAREPLAN_PASSWORD_METHOD") or DEFAULT_PASSWORD_METHOD
        service = Users(careplan(), password_method=method)
        app.extensions["careplan_users"] = service
    return service
