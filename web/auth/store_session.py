"""Flask sessions kept in the store (``careplan.adapters.sessions``): the cookie holds a random id and nothing
else, so no flash message ("Pre-infusion BP 182/118 ...") or other value travels in it, and a session
can be ended for good: at sign-out, when the account changes, after an idle spell or its lifetime.

Only a signed-in session is kept: before sign-in nothing is stored and no session cookie is set
(the sign-in form's CSRF token lives in a cookie of its own, see ``web.csrf``), so anonymous visits
cannot fill the table. The id is made at sign-in (``regenerate``), so an id planted before sign-in is
worth nothing. Timing follows the application's clock, so tests move time by hand.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response, request
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from careplan.adapters.sessions import TOUCH_EVERY, Limits, sessions_for
from careplan.adapters.settings import ConfigError
from web.query import is_whole_number
from web.services import careplan

_serializer = TaggedJSONSerializer()
USER_KEY = "user"


class StoreSession(CallbackDict[str, Any], SessionMixin):
    """A session's data; ``regenerate`` asks for a new id when it is saved (set at sign-in)."""

    def __init__(self, initial: dict[str, Any] | None = None, sid: str | None = None, created: datetime | None = None) -> None:
        def changed(_: Any) -> None:
            self.modified = True

        super().__init__(initial, changed)
        self.sid = sid
        self.created = created
        self.new = sid is None
        self.modified = False
        self.regenerate = False
        self.stale = False

    @property
    def kept(self) -> bool:
        """Whether this session is kept in the store: only once someone has signed in."""
        return isinstance(self.get(USER_KEY), str)


class StoreSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> StoreSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if not sid or len(sid) > 128:
            return StoreSession()
        application = careplan()
        now = application.clock()
        found = sessions_for(application).load(sid, now, limits(app))
        if found is None:
            return StoreSession()
        session = StoreSession(_serializer.loads(found.data.decode()), sid=sid, created=found.created)
        session.stale = now - found.seen >= TOUCH_EVERY
        return session

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, StoreSession)
        name, domain, path = self.get_cookie_name(app), self.get_cookie_domain(app), self.get_cookie_path(app)
        if session.sid is not None and (session.regenerate or not session.kept):
            sessions_for(careplan()).end(session.sid)
            session.sid = None
        if not session.kept:  # signed out, or never signed in: nothing is stored
            if request_had_cookie(name):
                response.delete_cookie(name, domain=domain, path=path)
            return
        store, now = sessions_for(careplan()), careplan().clock()
        data = _serializer.dumps(dict(session)).encode()
        user = session[USER_KEY]
        if session.sid is None or session.created is None:
            session.sid = secrets.token_urlsafe(32)
            store.begin(session.sid, data, user, now, limits(app))
            response.set_cookie(
                name, session.sid, domain=domain, path=path, httponly=self.get_cookie_httponly(app),
                secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app),
            )  # fmt: skip
        elif session.modified or session.stale:
            store.save(session.sid, data, user, session.created, now)


def request_had_cookie(name: str) -> bool:
    return name in request.cookies


def limits(app: Flask) -> Limits:
    return Limits(idle=app.config["CAREPLAN_SESSION_IDLE"], lifetime=app.config["PERMANENT_SESSION_LIFETIME"])


def configure(app: Flask, env: dict[str, str] | Any) -> None:
    """Installs the interface with the idle time-out and lifetime of ``CAREPLAN_SESSION_IDLE_MINUTES``
    (default 15) and ``CAREPLAN_SESSION_HOURS`` (default 12)."""
    app.config.setdefault("CAREPLAN_SESSION_IDLE", timedelta(minutes=_number(env, "CAREPLAN_SESSION_IDLE_MINUTES", 15, 1, 24 * 60)))
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=_number(env, "CAREPLAN_SESSION_HOURS", 12, 1, 24 * 7))
    app.session_interface = StoreSessionInterface()


def _number(env: Any, name: str, default: int, low: int, high: int) -> int:
    text = (env.get(name) or str(default)).strip()
    if not is_whole_number(text) or not low <= int(text) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}.")
    return int(text)
