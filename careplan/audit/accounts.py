"""People's accounts inside the tamper evidence: each account's hash chain recomputed from its rows.

Who may do what is as much part of the record as what was done: deleting an account's newest rows
re-enabled a disabled person and revived a replaced token, and editing a role in one row of an
unencrypted store made a clinician an admin. Both now break the account's chain (or its saved head).
Account events are read into the same ``Fact`` as a journey's and checked by the same chain code.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from careplan.audit import stored
from careplan.audit.stored import Row, Undecodable
from careplan.domain.users import UserAccount
from careplan.domain.values import Actor, Fact

ACCOUNT_TOPIC_PREFIX = get_topic(UserAccount) + "."


def account_ids(app: Application) -> list[UUID]:
    """Every account with at least one stored row, in order of first row."""
    seen: dict[UUID, None] = {}
    start = 1
    while True:
        batch = app.recorder.select_notifications(start=start, limit=stored.PAGE)
        for notification in batch:
            if notification.topic.startswith(ACCOUNT_TOPIC_PREFIX):
                seen.setdefault(UUID(str(notification.originator_id)), None)
        if len(batch) < stored.PAGE:
            return list(seen)
        start = batch[-1].id + 1


def rows(app: Application, account_id: UUID) -> list[Row]:
    found = []
    for row in app.recorder.select_events(account_id):
        try:
            found.append(Row(row.originator_version, decode(app, row)))
        except Undecodable as error:
            found.append(Row(row.originator_version, None, str(error)))
    return found


def decode(app: Application, row: StoredEvent) -> Fact:
    if not row.topic.startswith(ACCOUNT_TOPIC_PREFIX):
        raise Undecodable("the row names an event type that is not an account's")
    try:
        event: Any = app.mapper.to_domain_event(row)
    except Exception:
        raise Undecodable("the row cannot be decoded (or decrypted and authenticated): it was altered") from None
    try:
        if isinstance(event, UserAccount.Registered):
            data = UserAccount.registration_data(event.username, event.role, event.password_hash, event.token_hash)
        elif isinstance(event, UserAccount.Changed):
            data = event.data
        else:
            raise Undecodable("the row names an event type that is not an account's")
        fact = Fact(
            version=row.originator_version, type=type(event).__name__, occurred_at=event.timestamp,
            recorded_at=event.timestamp, actor=event.actor, reason=None, data=data, hash=event.hash,
        )  # fmt: skip
    except AttributeError:
        raise Undecodable("the row lacks a field every account event has (written before accounts were chained?)") from None
    if not isinstance(fact.actor, Actor) or not isinstance(fact.hash, str):
        raise Undecodable("the row's actor or hash is not of the stored kind")
    return fact
