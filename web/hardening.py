"""Hostile input and access: security headers on every answer, secure session cookies in production,
and a limit on failed sign-ins.

Registered as a blueprint without routes (``bp``), so its hooks apply to the whole app.

- Headers: a strict Content-Security-Policy (the pages use no inline script or style), nosniff,
  no referrer (URLs carry journey ids), no framing, no caching of answers that hold patient data,
  and HSTS when the request came over HTTPS.
- Cookies: ``Secure`` in production mode (the default; browsers still send them to 127.0.0.1 and
  localhost over plain HTTP), in demo mode only with ``CAREPLAN_SECURE_COOKIES``. HttpOnly and
  SameSite=Lax are set by the app factory.
- Sign-in: after 5 failures in 15 minutes for one username from one address, or 50 from one address
  for any usernames, that sign-in is refused with 429 until the window has passed. The count is kept
  in the store, so it holds across gunicorn workers and restarts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, render_template, request
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response

from careplan import security
from careplan.sign_ins import SignInFailures, failures_for
from web.services import careplan

bp = Blueprint("hardening", __name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"

WINDOW_SECONDS = 15 * 60
FAILURES_PER_USER = 5
FAILURES_PER_ADDRESS = 50
LOGIN_ENDPOINT = "auth.login"


@bp.record_once
def _configure(state: BlueprintSetupState) -> None:
    app: Flask = state.app
    env: Mapping[str, str] = app.config.get("CAREPLAN_ENV") or {}
    if security.is_production(env):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.extensions["careplan_login_limiter"] = LoginLimiter()


@bp.after_app_request
def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


class LoginLimiter:
    """Failed sign-ins per (username, address) and per address in a sliding window, kept in the store
    (``careplan.sign_ins``) and timed by the application's clock."""

    def _table(self) -> SignInFailures:
        return failures_for(careplan())

    def _now(self) -> float:
        return careplan().clock().timestamp()

    def wait(self, username: str, address: str) -> float:
        """Seconds until this sign-in may be tried again; 0 when it may be tried now."""
        now = self._now()
        waits = []
        for key, limit in ((_key(username, address), FAILURES_PER_USER), (_key("", address), FAILURES_PER_ADDRESS)):
            count, oldest = self._table().since(key, now - WINDOW_SECONDS)
            if count >= limit and oldest is not None:
                waits.append(oldest + WINDOW_SECONDS - now)
        return max(waits, default=0.0)

    def failed(self, username: str, address: str) -> None:
        self._table().add([_key(username, address), _key("", address)], self._now(), WINDOW_SECONDS)

    def succeeded(self, username: str, address: str) -> None:
        self._table().clear(_key(username, address))


def _key(username: str, address: str) -> str:
    return f"{username}\n{address}"


def _limiter() -> LoginLimiter:
    from flask import current_app

    return current_app.extensions["careplan_login_limiter"]  # type: ignore[no-any-return]


def _who() -> tuple[str, str]:
    return request.form.get("username", "").strip().lower(), request.remote_addr or "unknown"


@bp.before_app_request
def _refuse_locked_sign_in() -> Any:
    if request.endpoint != LOGIN_ENDPOINT or request.method != "POST":
        return None
    username, address = _who()
    wait = _limiter().wait(username, address)
    if wait <= 0:
        return None
    minutes = max(1, round(wait / 60))
    message = f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    body = render_template("auth/login.html", next=None, username=request.form.get("username", ""), error=message)
    return Response(body, status=429, headers={"Retry-After": str(int(wait) + 1)}, mimetype="text/html")


@bp.after_app_request
def _count_sign_in(response: Response) -> Response:
    if request.endpoint == LOGIN_ENDPOINT and request.method == "POST":
        username, address = _who()
        if response.status_code == 401:
            _limiter().failed(username, address)
        elif response.status_code in (302, 303):
            _limiter().succeeded(username, address)
    return response
