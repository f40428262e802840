"""Commands and queries on people's accounts, kept in the same event store as the journeys.

Passwords are stored as slow salted hashes (scrypt by default, via werkzeug.security); API tokens are
long random secrets, so a fast SHA-256 of them is enough and keeps every API request cheap. A token
reads ``cp1.<user id>.<secret>``: the user id in it finds the account in one read, without an index,
and only the secret's hash is compared (in constant time). Issuing a new token replaces the old one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic
from werkzeug.security import check_password_hash, generate_password_hash

from careplan.adapters.sessions import sessions_for
from careplan.application import CarePlan, replay
from careplan.domain.errors import BrokenRecord
from careplan.domain.users import InvalidUser, UnknownUser, UserAccount, UserExists, normal_username, user_id
from careplan.domain.values import Actor
from careplan.integrity import decoded, refuse

TOKEN_PREFIX = "cp1"
MIN_PASSWORD = 8
MAX_PASSWORD = 512
DEFAULT_PASSWORD_METHOD = "scrypt"
ACCOUNT = "account"


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: str
    enabled: bool
    registered_by: str


@dataclass(frozen=True)
class NewUser:
    """What is shown once, at creation: the token (and a generated password) are never stored."""

    name: str
    role: str
    token: str
    password: str | None


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token(account_id: UUID) -> tuple[str, str]:
    """A fresh API token and the hash the account keeps of it."""
    secret = secrets.token_urlsafe(32)
    return f"{TOKEN_PREFIX}.{account_id.hex}.{secret}", token_digest(secret)


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidUser(f"A password has {MIN_PASSWORD} to {MAX_PASSWORD} characters.")
    return password


class Users:
    """People's accounts on one CarePlan application (its store, its clock)."""

    def __init__(self, app: CarePlan, password_method: str = DEFAULT_PASSWORD_METHOD) -> None:
        self.app = app
        self.password_method = password_method
        self._dummy_hash: str | None = None

    # -- commands -----------------------------------------------------------------------------

    def add(self, name: str, role: str, *, actor: Actor, password: str | None = None) -> NewUser:
        """Registers a person; without a password one is generated and returned once."""
        generated = password is None
        password = secrets.token_urlsafe(12) if password is None else check_password(password)
        name = normal_username(name)
        token, digest = new_token(user_id(name))
        account = UserAccount.register(
            name, role, password_hash=self._hash(password), token_hash=digest, actor=actor
        )
        try:
            self.app.save(account)
        except IntegrityError:
            raise UserExists(name) from None
        return NewUser(name=name, role=account.role, token=token, password=password if generated else None)

    def issue_token(self, name: str, *, actor: Actor) -> str:
        token, digest = new_token(user_id(name))
        self._change(name, lambda account: account.issue_token(digest, actor))
        return token

    def set_password(self, name: str, password: str, *, actor: Actor) -> None:
        password_hash = self._hash(check_password(password))
        self._change(name, lambda account: account.set_password(password_hash, actor))
        self._end_sessions(name)

    def change_role(self, name: str, role: str, *, actor: Actor) -> None:
        self._change(name, lambda account: account.change_role(role, actor))
        self._end_sessions(name)

    def disable(self, name: str, *, actor: Actor, reason: str | None = None) -> None:
        self._change(name, lambda account: account.disable(actor, reason))
        self._end_sessions(name)

    def enable(self, name: str, *, actor: Actor) -> None:
        """Lets the person sign in again; their old API token stays void (issue a new one)."""
        self._change(name, lambda account: account.enable(actor))
        self._end_sessions(name)

    # -- queries ------------------------------------------------------------------------------

    def get(self, name: str) -> UserAccount:
        account = self._find(user_id(name))
        if account is None:
            raise UnknownUser(normal_username(name))
        return account

    def authenticate(self, name: str, password: str) -> Actor | None:
        """The actor for a correct name and password of an enabled account, else None.

        An unknown name costs as much time as a wrong password, so the answer's timing does not
        tell which names exist.
        """
        try:
            account = self._find(user_id(name))
        except InvalidUser:
            account = None
        if account is None or not account.password_hash:
            check_password_hash(self._dummy(), password)
            return None
        if not check_password_hash(account.password_hash, password) or not account.enabled:
            return None
        return account.acting_as()

    def actor_for_token(self, token: str) -> Actor | None:
        """The actor an API token stands for, or None (malformed, replaced, or a disabled account)."""
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 32:
            return None
        try:
            account_id = UUID(hex=parts[1])
        except ValueError:
            return None
        account = self._find(account_id)
        if account is None or not account.enabled:
            return None
        if not hmac.compare_digest(account.token_hash, token_digest(parts[2])):
            return None
        return account.acting_as()

    def actor_named(self, name: str) -> Actor | None:
        """The actor of an enabled account (with its current role), or None."""
        try:
            account = self._find(user_id(name))
        except InvalidUser:
            return None
        return account.acting_as() if account is not None and account.enabled else None

    def session_generation(self, name: str) -> int:
        """The account's generation, kept in a signed-in session: a later one ends that session."""
        return int(self.get(name).generation)

    def actor_for_session(self, name: str, generation: int) -> Actor | None:
        """The actor of a signed-in session while the account is enabled and in the same generation
        (no new password, role, disabling or enabling since the session began)."""
        try:
            account = self._find(user_id(name))
        except InvalidUser:
            return None
        if account is None or not account.enabled or account.generation != generation:
            return None
        return account.acting_as()

    def list(self) -> list[UserInfo]:
        """Every account, in the order they were registered."""
        topic = get_topic(UserAccount.Registered)
        rows: list[UserInfo] = []
        start = 1
        while True:
            batch = self.app.recorder.select_notifications(start=start, limit=500, topics=[topic])
            for notification in batch:
                account = self._find(notification.originator_id)  # type: ignore[arg-type]
                if account is not None:
                    rows.append(UserInfo(account.username, account.role, account.enabled, account.registered_by))
            if len(batch) < 500:
                return rows
            start = batch[-1].id + 1

    # -- helpers ------------------------------------------------------------------------------

    def _find(self, account_id: UUID) -> UserAccount | None:
        """The account, replayed from its events in one query: accounts are never snapshotted (they
        have a handful of events), so the repository's snapshot lookup would be a wasted round trip on
        every API request's token check. Every event must open at its place and chain onto the one
        before it (``BrokenRecord``, logged, otherwise): an account is who may do what."""
        recorder: Any = self.app.recorder
        events = decoded(self.app.mapper, recorder.select_events(account_id), ACCOUNT, account_id)
        try:
            account = replay(None, events)
        except BrokenRecord as broken:
            raise refuse(ACCOUNT, account_id, broken.version, "the event does not chain onto the one before it") from None
        return account if isinstance(account, UserAccount) else None

    def _change(self, name: str, command: object) -> None:
        for _ in range(5):
            account = self.get(name)
            command(account)  # type: ignore[operator]
            if not account.pending_events:
                return
            try:
                self.app.save(account)
                return
            except IntegrityError:
                continue
        raise InvalidUser("The account kept changing meanwhile; try again.")

    def _end_sessions(self, name: str) -> None:
        """Deletes the person's session rows at once (the generation already refuses them)."""
        sessions_for(self.app).end_all_for(normal_username(name))

    def _hash(self, password: str) -> str:
        return generate_password_hash(password, method=self.password_method)

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._hash(secrets.token_urlsafe(12))
        return self._dummy_hash
