"""Who is signed in: the actor of this request, from the session cookie (pages) or a bearer token (API).

The session (kept in the store, see ``web.auth.store_session``) holds the username and the account's
generation at sign-in; the account is read again on every request, so a disabled account or a changed
role or password ends the session at once, in every process, even one that did not make the change.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, session, url_for

from careplan.domain.values import Actor
from web.auth.accounts import users

USER_KEY = "user"
GENERATION_KEY = "generation"
_ACTOR = "careplan_actor"
MAX_NEXT = 2000

View = TypeVar("View", bound=Callable[..., Any])


def current_actor() -> Actor | None:
    """The signed-in person of this request (with their current role), or None."""
    if _ACTOR not in g:
        name, generation = session.get(USER_KEY), session.get(GENERATION_KEY)
        actor = None
        if isinstance(name, str) and isinstance(generation, int):
            actor = users().actor_for_session(name, generation)
        setattr(g, _ACTOR, actor)
    return getattr(g, _ACTOR)


def signed_in() -> Actor:
    """The signed-in person of a view behind ``requires`` (which already refused everyone else)."""
    actor = current_actor()
    if actor is None:
        abort(401)
    return actor


def act_as(actor: Actor | None) -> None:
    """Sets this request's actor (the API does, from the bearer token)."""
    setattr(g, _ACTOR, actor)


def sign_in(actor: Actor) -> None:
    """Starts a fresh session (a new id, nothing carried over from before sign-in)."""
    session.clear()
    session.regenerate = True  # type: ignore[attr-defined]
    session.permanent = True
    session[USER_KEY] = actor.id
    session[GENERATION_KEY] = users().session_generation(actor.id)
    act_as(actor)


def sign_out() -> None:
    """Ends the session: its row is deleted, so a copy of the cookie opens nothing afterwards."""
    session.clear()
    act_as(None)


def requires(*roles: str) -> Callable[[View], View]:
    """For page views: signed out goes to the login page (and back after); a role not listed gets 403.

    With no roles, any signed-in person may see the page.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor is None:
                return redirect(url_for("auth.login", next=_here()))
            if roles and actor.role not in roles:
                abort(403, description="Your role does not allow this.")
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def _here() -> str:
    return request.full_path if request.query_string else request.path


def safe_next(target: str | None) -> str | None:
    """A place on this site to go back to after sign-in; anything pointing elsewhere is dropped, and so
    is anything with a control character or a space (CR/LF would split the Location header)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if len(target) > MAX_NEXT or any(ord(c) < 0x21 or 0x7F <= ord(c) <= 0x9F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
