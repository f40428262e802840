"""The people who use careplan, each an event-sourced ``UserAccount``: who they are, the role they act
in, and every change to their account with who made it, so an auditor can tell who could do what, when.

The aggregate's id is derived from the username (uuid5), so finding a user by name needs no index and
two people can never register the same name: the store's unique (id, version) key refuses the second.
Secrets never enter the domain: the account keeps only a password hash and an API token hash, made
by the application layer.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from careplan.domain import chain
from careplan.domain.errors import BrokenRecord, CarePlanError
from careplan.domain.values import Actor

USER_ROLES: tuple[str, ...] = ("coordinator", "clinician", "auditor", "admin")
"""The roles a person can hold; ``system`` (the scheduler) is not a person and cannot sign in."""

NAMESPACE = UUID("5b0f3c1e-8a2d-4e7b-9c61-2f4d8e0a7c35")
USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}\Z")
USERNAME_RULE = "a username is 1 to 64 lower-case letters, digits, '.', '_', '@' or '-', starting with a letter or digit"


class InvalidUser(CarePlanError):
    code = "invalid_user"


class UnknownUser(CarePlanError):
    code = "unknown_user"

    def __init__(self, username: str) -> None:
        super().__init__(f"No user named {username!r}.")


class UserExists(CarePlanError):
    code = "user_exists"

    def __init__(self, username: str) -> None:
        super().__init__(f"A user named {username!r} already exists.")


def normal_username(username: str) -> str:
    """The one spelling of a username: trimmed and lower-case; refuses anything else."""
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise InvalidUser(f"{username!r} is not a valid username: {USERNAME_RULE}.")
    return name


def check_role(role: str) -> str:
    if role not in USER_ROLES:
        raise InvalidUser(f"{role!r} is not a role; choose one of {', '.join(USER_ROLES)}.")
    return role


def user_id(username: str) -> UUID:
    return uuid5(NAMESPACE, f"user:{normal_username(username)}")


class UserAccount(Aggregate):
    """One person's account. Commands check first, then record; each event names the actor.

    The account's events are hash-chained like a journey's (``careplan.domain.chain``, with the
    account id in the chain's id field): deleting its newest rows, or editing a role in one row, is
    caught by ``careplan verify`` (and ``--heads``), as for journeys. And the account folds only events
    that chain onto its head (``BrokenRecord`` otherwise): a row copied from another account (a
    password, a token, an ``Enabled``) never does, since its hash covers the account and the version
    it was recorded for. An account has a handful of events, so each is checked, every time.
    """

    class Registered(Aggregate.Created):
        username: str
        role: str
        password_hash: str | None
        token_hash: str
        actor: Actor
        hash: str

    class Changed(Aggregate.Event):
        """Base of every change after registration: who made it, what it set, its link."""

        actor: Actor
        data: dict[str, Any]
        hash: str

        def apply(self, aggregate: Aggregate) -> None:
            account = cast(UserAccount, aggregate)
            name = type(self).__name__
            account._follow(name, self.originator_version, self.timestamp, self.actor, self.data, self.hash)
            account._apply(name, self.data, self.hash)

    class PasswordSet(Changed): ...
    class TokenIssued(Changed): ...
    class RoleChanged(Changed): ...
    class Disabled(Changed): ...
    class Enabled(Changed): ...

    @staticmethod
    def create_id(username: str, **_: object) -> UUID:
        return user_id(username)

    def __init__(self, username: str, role: str, password_hash: str | None, token_hash: str, actor: Actor, hash: str) -> None:
        self.username = username
        self.role = role
        self.password_hash = password_hash
        self.token_hash = token_hash
        self.enabled = True
        self.registered_by = actor.id
        self.generation = 1
        self.head = chain.GENESIS
        data = self.registration_data(username, role, password_hash, token_hash)
        self._follow("Registered", 1, self.created_on, actor, data, hash)
        self.head = hash

    @staticmethod
    def registration_data(username: str, role: str, password_hash: str | None, token_hash: str) -> dict[str, Any]:
        """What the first link of an account's chain covers (the verifier recomputes it from a row)."""
        return {"username": username, "role": role, "password_hash": password_hash, "token_hash": token_hash}

    @classmethod
    def register(
        cls, username: str, role: str, *, password_hash: str | None, token_hash: str, actor: Actor
    ) -> UserAccount:
        username, role = normal_username(username), check_role(role)
        account_id, now = user_id(username), cls.Event.create_timestamp()
        data = cls.registration_data(username, role, password_hash, token_hash)
        digest = _link(chain.GENESIS, account_id, 1, "Registered", now, actor, data)
        return cls._create(
            cls.Registered, id=account_id, username=username, role=role, password_hash=password_hash,
            token_hash=token_hash, actor=actor, hash=digest, timestamp=now,
        )  # fmt: skip

    # -- commands -----------------------------------------------------------------------------

    def set_password(self, password_hash: str, actor: Actor) -> None:
        self._record("PasswordSet", {"password_hash": password_hash}, actor)

    def issue_token(self, token_hash: str, actor: Actor) -> None:
        """A new API token replaces the old one, which stops working at once."""
        self._record("TokenIssued", {"token_hash": token_hash}, actor)

    def change_role(self, role: str, actor: Actor) -> None:
        self._record("RoleChanged", {"role": check_role(role)}, actor)

    def disable(self, actor: Actor, reason: str | None = None) -> None:
        if self.enabled:
            self._record("Disabled", {"reason": reason}, actor)

    def enable(self, actor: Actor) -> None:
        """Re-enabling revives nothing: the old API token stays void (the person gets a new one) and
        sessions begun before the account was disabled stay ended."""
        if not self.enabled:
            self._record("Enabled", {}, actor)

    def acting_as(self) -> Actor:
        """The actor this person's writes carry: their username and current role."""
        return Actor(id=self.username, role=self.role)

    # -- recording and mutation -----------------------------------------------------------------

    def _record(self, event_type: str, data: dict[str, Any], actor: Actor) -> None:
        now = self.Event.create_timestamp()
        digest = _link(self.head, self.id, self.version + 1, event_type, now, actor, data)
        self.trigger_event(getattr(type(self), event_type), actor=actor, data=data, hash=digest, timestamp=now)

    def _follow(self, event_type: str, version: int, at: datetime, actor: Actor, data: dict[str, Any], digest: str) -> None:
        """Refuses an event that is not the next link of this account's own chain."""
        if _link(self.head, self.id, version, event_type, at, actor, data) != digest:
            raise BrokenRecord("account", self.id, version)

    def _apply(self, event_type: str, data: dict[str, Any], digest: str) -> None:
        """Sessions remember the generation they began in; a change of password, role or standing
        starts a new one, which ends them all at once, whichever process made the change."""
        if event_type == "PasswordSet":
            self.password_hash = data["password_hash"]
        elif event_type == "TokenIssued":
            self.token_hash = data["token_hash"]
        elif event_type == "RoleChanged":
            self.role = data["role"]
        elif event_type in ("Disabled", "Enabled"):
            self.enabled = event_type == "Enabled"
            if self.enabled:
                self.token_hash = ""
        if event_type != "TokenIssued":
            self.generation += 1
        self.head = digest


def _link(previous: str, account_id: UUID, version: int, event_type: str, now: datetime, actor: Actor, data: dict[str, Any]) -> str:
    return chain.link(
        previous, journey_id=account_id, version=version, event_type=event_type, occurred_at=now,
        recorded_at=now, actor=actor, reason=None, data=data,
    )  # fmt: skip
