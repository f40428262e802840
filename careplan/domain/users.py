"""The people who use careplan, each an event-sourced ``UserAccount``: who they are, the role they act
in, and every change to their account with who made it, so an auditor can tell who could do what, when.

The aggregate's id is derived from the username (uuid5), so finding a user by name needs no index and
two people can never register the same name: the store's unique (id, version) key refuses the second.
Secrets never enter the domain: the account keeps only a password hash and an API token hash, made
by the application layer.
"""

from __future__ import annotations

import re
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from careplan.domain.errors import CarePlanError
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
    """One person's account. Commands check first, then record; each event names the actor."""

    @staticmethod
    def create_id(username: str, **_: object) -> UUID:
        return user_id(username)

    @event("Registered")
    def __init__(self, username: str, role: str, password_hash: str | None, token_hash: str, actor: Actor) -> None:
        self.username = username
        self.role = role
        self.password_hash = password_hash
        self.token_hash = token_hash
        self.enabled = True
        self.registered_by = actor.id
        self.generation = 1

    @classmethod
    def register(
        cls, username: str, role: str, *, password_hash: str | None, token_hash: str, actor: Actor
    ) -> UserAccount:
        return cls(
            username=normal_username(username),
            role=check_role(role),
            password_hash=password_hash,
            token_hash=token_hash,
            actor=actor,
        )

    @event("PasswordSet")
    def set_password(self, password_hash: str, actor: Actor) -> None:
        self.password_hash = password_hash
        self._new_generation()

    @event("TokenIssued")
    def issue_token(self, token_hash: str, actor: Actor) -> None:
        """A new API token replaces the old one, which stops working at once."""
        self.token_hash = token_hash

    def change_role(self, role: str, actor: Actor) -> None:
        self._role_changed(check_role(role), actor)

    @event("RoleChanged")
    def _role_changed(self, role: str, actor: Actor) -> None:
        self.role = role
        self._new_generation()

    def disable(self, actor: Actor, reason: str | None = None) -> None:
        if self.enabled:
            self._disabled(actor, reason)

    @event("Disabled")
    def _disabled(self, actor: Actor, reason: str | None) -> None:
        self.enabled = False
        self._new_generation()

    def enable(self, actor: Actor) -> None:
        if not self.enabled:
            self._enabled(actor)

    @event("Enabled")
    def _enabled(self, actor: Actor) -> None:
        """Re-enabling revives nothing: the old API token stays void (the person gets a new one) and
        sessions begun before the account was disabled stay ended."""
        self.enabled = True
        self.token_hash = ""
        self._new_generation()

    def _new_generation(self) -> None:
        """Sessions remember the generation they began in; a change of password, role or standing
        starts a new one, which ends them all at once, whichever process made the change."""
        self.generation = getattr(self, "generation", 1) + 1

    def acting_as(self) -> Actor:
        """The actor this person's writes carry: their username and current role."""
        return Actor(id=self.username, role=self.role)
