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
  in the store, so it holds across gunicorn workers and restarts, and each sign-in takes its place in
  it before its password is judged, so parallel guesses cannot all slip under the limit.
- The sign-in form's CSRF cookie (``web.csrf``), set after the page that made it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Blueprint, current_app, render_template, request
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response

from careplan.adapters import security
from careplan.adapters.sign_ins import SignInFailures, failures_for
from web import csrf
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


@bp.record_once
def _configure(state: BlueprintSetupState) -> None:
    app = state.app
    env: Mapping[str, str] = app.config.get("CAREPLAN_ENV") or {}
    if security.is_production(env):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.extensions["careplan_login_limiter"] = LoginLimiter()
    app.after_request(csrf.set_seed_cookie)


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
    (``careplan.adapters.sign_ins``) and timed by the application's clock. Each sign-in is counted as failed
    before its password is judged, and given back if it succeeds."""

    def _table(self) -> SignInFailures:
        return failures_for(careplan())

    def attempt(self, username: str, address: str) -> Attempt:
        """Reserves this sign-in's place in the count; ``wait`` is above 0 when it may not be judged."""
        now = careplan().clock().timestamp()
        limits = ((_key(username, address), FAILURES_PER_USER), (_key("", address), FAILURES_PER_ADDRESS))
        return Attempt(self, username, address, now, self._table().reserve(limits, now, WINDOW_SECONDS))

    def succeeded(self, attempt: Attempt) -> None:
        table = self._table()
        table.clear(_key(attempt.username, attempt.address))
        table.release(_key("", attempt.address), attempt.at)


@dataclass(frozen=True)
class Attempt:
    """One sign-in, counted as failed until ``succeeded`` says otherwise."""

    limiter: LoginLimiter
    username: str
    address: str
    at: float
    wait: float

    def succeeded(self) -> None:
        self.limiter.succeeded(self)


def _key(username: str, address: str) -> str:
    return f"{username}\n{address}"


def sign_in_attempt() -> Attempt:
    """This request's sign-in, reserved in the count (the login view asks before judging the password)."""
    limiter: LoginLimiter = current_app.extensions["careplan_login_limiter"]
    username = request.form.get("username", "").strip().lower()
    return limiter.attempt(username, request.remote_addr or "unknown")


def too_many_sign_ins(wait: float) -> Response:
    """The 429 page of a sign-in that was not judged, with how long to wait."""
    minutes = max(1, round(wait / 60))
    message = f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    body = render_template("auth/login.html", next=None, username=request.form.get("username", ""), error=message)
    return Response(body, status=429, headers={"Retry-After": str(int(wait) + 1)}, mimetype="text/html")
