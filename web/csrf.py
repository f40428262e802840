"""Protection of the pages' forms against cross-site request forgery.

Every method but GET (and OPTIONS) must carry the token, HEAD included: a route that takes GET also
answers HEAD, and a view that reads anything but GET as a form's POST would otherwise record, open a
journey or sign in for any site that sends a HEAD with a form body. The token is checked on every
such request of the blueprints that call :func:`protect`.

Signed in, the token is one random value per session, kept in the session's row. Before sign-in
there is no row (``careplan.adapters.sessions``), so the sign-in form's token is bound to the browser by a
cookie instead: ``careplan_csrf`` holds a random seed, and the token is an HMAC of the seed with the
server's ``csrf`` key (``careplan.adapters.server_keys``). Another site can neither read the cookie nor compute
the token, and a token copied from one browser is worth nothing in another. The JSON API is not
protected this way: it takes a bearer token in a header, which another site cannot make a browser send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from flask import abort, current_app, g, request, session
from werkzeug.wrappers import Response

from careplan.adapters.server_keys import CSRF, server_key
from web.services import careplan

SESSION_KEY = "_csrf_token"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
COOKIE = "careplan_csrf"
SAFE = frozenset({"GET", "OPTIONS"})
MESSAGE = "This form has expired or did not come from this site. Reload the page and try again."
_SEED = re.compile(r"[A-Za-z0-9_-]{43}")
_NEW_SEED = "careplan_csrf_seed"


def token() -> str:
    """The token for this page's forms; templates call it as ``csrf_token()``."""
    if not _signed_in():
        return pre_sign_in_token(_seed() or _new_seed())
    value = session.get(SESSION_KEY)
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(32)
        session[SESSION_KEY] = value
    return value


def protect() -> tuple[str, int] | None:
    """A ``before_request`` hook: any method but GET and OPTIONS without the token is refused with 400;
    a page form whose session timed out gets the sign-in page, keeping what was typed (``web.auth.resume``)."""
    if request.method in SAFE:
        return None
    if _signed_in():
        expected = session.get(SESSION_KEY)
    else:
        seed = _seed()
        expected = pre_sign_in_token(seed) if seed else None
    sent = request.form.get(FIELD) or request.headers.get(HEADER)
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(sent, expected):
        if not _signed_in() and sent:
            from web.auth.resume import lapsed_form

            kept = lapsed_form()  # a form whose session timed out: sign in again, the input kept
            if kept is not None:
                return kept
        abort(400, description=MESSAGE)
    return None


def pre_sign_in_token(seed: str) -> str:
    """The token that goes with a browser's seed: only the server, with its key, can compute it."""
    digest = hmac.new(server_key(careplan(), CSRF), b"csrf\n" + seed.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def set_seed_cookie(response: Response) -> Response:
    """An ``after_request`` hook: gives the browser the seed made for this page's sign-in form."""
    seed = g.get(_NEW_SEED)
    if seed:
        config = current_app.config
        response.set_cookie(
            COOKIE, seed, path="/", httponly=True, samesite="Lax", secure=bool(config.get("SESSION_COOKIE_SECURE"))
        )
    return response


def _signed_in() -> bool:
    """Whether this session has a row of its own (``web.auth.store_session``) to keep the token in."""
    return bool(getattr(session, "kept", False))


def _seed() -> str | None:
    made = g.get(_NEW_SEED)
    if made:
        return str(made)
    sent = request.cookies.get(COOKIE, "")
    return sent if _SEED.fullmatch(sent) else None


def _new_seed() -> str:
    seed = secrets.token_urlsafe(32)
    setattr(g, _NEW_SEED, seed)
    return seed
