"""The API's caller: a bearer token names the person (and so the role) every read and write acts as.

No token or a token that does not work (malformed, replaced, or its account disabled) is 401; a role
the table in :mod:`web.auth.permissions` does not allow is 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import request
from flask_smorest import abort

from careplan.domain.values import Actor
from careplan.domain.vocabulary import CLINICIAN_EVENTS
from web.auth import permissions
from web.auth.accounts import users
from web.auth.session import act_as, current_actor

View = TypeVar("View", bound=Callable[..., Any])


def authenticate() -> None:
    header = request.headers.get("Authorization", "").strip()
    if not header:
        abort(401, code="token_required", message="Send your API token as 'Authorization: Bearer TOKEN'.")
    scheme, _, token = header.partition(" ")
    actor = users().actor_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if actor is None:
        abort(401, code="invalid_token", message="The token is not valid: it is malformed, replaced, or its account is disabled.")
    act_as(actor)


def caller() -> Actor:
    actor = current_actor()
    assert actor is not None, "authenticate() runs before every API view"
    return actor


def forbid(what: str) -> None:
    abort(403, code="forbidden", message=f"The role {caller().role} may not {what}.")


def permit(permission: str, what: str) -> Callable[[View], View]:
    """Refuses the view (403) unless the caller's role holds ``permission``."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not permissions.can(caller(), permission):
                forbid(what)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def permit_recording(view: View) -> View:
    """Refuses a write before its body is validated when the role may not record its ``type``.

    A role that records nothing is refused whatever it sent; the body's full check comes after.
    """

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        actor = caller()
        if not permissions.recordable_types(actor):
            forbid("record events")
        body = request.get_json(silent=True)
        event_type = body.get("type") if isinstance(body, dict) else None
        if isinstance(event_type, str) and event_type in CLINICIAN_EVENTS and not permissions.may_record(actor, event_type):
            forbid(f"record {event_type}")
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]
