"""A repeated form must record once, and someone else's change must not be overwritten.

Each event form carries the journey version it was drawn at (posted as ``expected_version``) and a
one-time nonce. A nonce already used in this session means the same form was sent again: nothing is
recorded. A version conflict is then judged by what was recorded meanwhile: the same event by the same
person is this form's own earlier submission (a double click that raced past the nonce); anything else
is someone else's change, which the page reports instead of overwriting.
"""

from __future__ import annotations

import secrets
from uuid import UUID

from flask import session

from careplan.domain.values import Actor, Fact
from events.schemas import EventSubmission, to_json

SESSION_KEY = "_submitted"
KEEP = 20
"""How many used nonces a session remembers (the cookie stays small)."""


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def already_recorded(nonce: str) -> int | None:
    """The version a nonce's submission was recorded as, or None if it is new."""
    used = session.get(SESSION_KEY) or {}
    version = used.get(nonce) if isinstance(used, dict) else None
    return int(version) if isinstance(version, int) else None


def remember(nonce: str, version: int) -> None:
    _keep(nonce, version)


def _keep(nonce: str, value: int | str) -> None:
    if not nonce:
        return
    used = dict(session.get(SESSION_KEY) or {})
    used[nonce] = value
    session[SESSION_KEY] = dict(list(used.items())[-KEEP:])


def opened_journey(nonce: str) -> UUID | None:
    """The journey a nonce's opening form opened, or None if it is new."""
    used = session.get(SESSION_KEY) or {}
    value = used.get(nonce) if isinstance(used, dict) else None
    return UUID(value) if isinstance(value, str) else None


def remember_opening(nonce: str, journey_id: UUID) -> None:
    _keep(nonce, str(journey_id))


def same_event(fact: Fact, submission: EventSubmission, actor: Actor) -> bool:
    """Whether a recorded fact is this submission, by this person."""
    if fact.type != submission.type or fact.actor.id != actor.id:
        return False
    if (fact.reason or None) != (submission.reason or None):
        return False
    if submission.occurred_at is not None and to_json(fact.occurred_at) != to_json(submission.occurred_at):
        return False
    return to_json(fact.data) == to_json(submission.data)


def meanwhile(history: list[Fact], since_version: int) -> list[Fact]:
    return [f for f in history if f.version > since_version]
