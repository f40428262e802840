"""People's accounts on SQLite and PostgreSQL: they survive restarts, names are unique, and every
change is an event that names who made it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from careplan.application import CarePlan
from careplan.domain.users import InvalidUser, UnknownUser, UserExists, user_id
from careplan.domain.values import Actor
from careplan.users import Users

FAST = "pbkdf2:sha256:1000"
ADMIN = Actor("cli:root", "admin")


@pytest.fixture
def users(make_app: Callable[..., CarePlan], store_url: str) -> Users:
    return Users(make_app(store_url), password_method=FAST)


def test_an_account_survives_a_restart_with_its_password_and_token(
    make_app: Callable[..., CarePlan], store_url: str
) -> None:
    new = Users(make_app(store_url), password_method=FAST).add("dr.khan", "clinician", actor=ADMIN, password="long enough")
    again = Users(make_app(store_url))
    assert again.authenticate("dr.khan", "long enough") == Actor("dr.khan", "clinician")
    assert again.actor_for_token(new.token) == Actor("dr.khan", "clinician")


def test_a_name_is_registered_once_whatever_its_case(users: Users) -> None:
    users.add("sam", "coordinator", actor=ADMIN)
    with pytest.raises(UserExists):
        users.add(" SAM ", "admin", actor=ADMIN)
    assert users.get("Sam").role == "coordinator"


def test_accounts_are_listed_in_the_order_they_were_registered_and_journeys_are_not_among_them(
    users: Users,
) -> None:
    users.app.open_journey("MRN-1", actor=Actor("sam", "coordinator"))
    for name, role in (("b", "auditor"), ("a", "admin")):
        users.add(name, role, actor=ADMIN)
    assert [(u.name, u.role, u.enabled) for u in users.list()] == [("b", "auditor", True), ("a", "admin", True)]
    assert list(users.app.journey_ids()) != [] and len(list(users.app.journey_ids())) == 1


def test_every_change_to_an_account_is_an_event_naming_its_actor(users: Users) -> None:
    users.add("ann", "auditor", actor=ADMIN)
    users.change_role("ann", "coordinator", actor=Actor("boss", "admin"))
    users.disable("ann", actor=Actor("boss", "admin"), reason="Left the clinic.")
    events = list(users.app.events.get(user_id("ann")))
    assert [type(e).__name__ for e in events] == ["Registered", "RoleChanged", "Disabled"]
    assert [e.actor for e in events] == [ADMIN, Actor("boss", "admin"), Actor("boss", "admin")]  # type: ignore[attr-defined]


def test_a_disabled_account_neither_signs_in_nor_uses_its_token_and_enabling_it_revives_no_old_token(users: Users) -> None:
    new = users.add("ann", "auditor", actor=ADMIN, password="long enough")
    users.disable("ann", actor=ADMIN)
    assert users.authenticate("ann", "long enough") is None and users.actor_for_token(new.token) is None
    users.enable("ann", actor=ADMIN)
    assert users.authenticate("ann", "long enough") == Actor("ann", "auditor")
    assert users.actor_for_token(new.token) is None
    assert users.actor_for_token(users.issue_token("ann", actor=ADMIN)) == Actor("ann", "auditor")


def test_tokens_that_are_malformed_or_forged_find_no_one(users: Users) -> None:
    new = users.add("ann", "auditor", actor=ADMIN)
    prefix, account, secret = new.token.split(".")
    for token in ("", "cp1", f"{prefix}.{account}", f"{prefix}.{account}.{secret}x", f"cp2.{account}.{secret}",
                  f"{prefix}.{'z' * 32}.{secret}", f"{prefix}.{user_id('other').hex}.{secret}"):
        assert users.actor_for_token(token) is None, token


def test_invalid_names_roles_and_passwords_are_refused_with_a_sentence(users: Users) -> None:
    with pytest.raises(InvalidUser, match="valid username"):
        users.add("Jane Doe", "clinician", actor=ADMIN)
    with pytest.raises(InvalidUser, match="not a role"):
        users.add("jane", "system", actor=ADMIN)
    with pytest.raises(InvalidUser, match="8 to 512"):
        users.add("jane", "clinician", actor=ADMIN, password="short")
    with pytest.raises(UnknownUser):
        users.disable("nobody", actor=ADMIN)
    assert users.list() == []
