"""Protection of the pages' forms against cross-site request forgery.

One random token per session, put in every form as a hidden field and checked on every POST of the
blueprints that call :func:`protect`. The JSON API is not protected this way: it takes a bearer token
in a header, which another site cannot make a browser send.
"""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

SESSION_KEY = "_csrf_token"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MESSAGE = "This form has expired or did not come from this site. Reload the page and try again."


def token() -> str:
    """The session's token, made on first use; templates call it as ``csrf_token()``."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(32)
        session[SESSION_KEY] = value
    return value


def protect() -> None:
    """A ``before_request`` hook: a POST without the session's token is refused with 400."""
    if request.method not in UNSAFE:
        return
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FIELD) or request.headers.get(HEADER)
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(sent, expected):
        abort(400, description=MESSAGE)
