"""People's accounts are inside the tamper evidence: each tampering the attacker's test made is caught
by ``verify`` (an edited row) or by ``verify --heads`` (deleted newest rows), on both stores."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from careplan.application import CarePlan
from careplan.audit import anchor
from careplan.audit.verify import verify_store
from careplan.domain.errors import BrokenRecord
from careplan.domain.users import user_id
from careplan.domain.values import Actor
from careplan.entrypoints.cli.main import main
from careplan.users import Users
from tests.audit.tamper import Tamperer

ADMIN = Actor("tests", "admin")
KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def users(app: CarePlan) -> Users:
    return Users(app, password_method="pbkdf2:sha256:1000")


def heads_then(app: CarePlan, tmp_path: Path) -> dict[str, tuple[int, str]]:
    path = tmp_path / "heads.json"
    anchor.save(verify_store(app), path)
    return anchor.load(path)


def test_accounts_are_verified_with_the_journeys(app: CarePlan, users: Users) -> None:
    users.add("ann", "clinician", actor=ADMIN)
    users.change_role("ann", "auditor", actor=ADMIN)
    users.disable("ann", actor=ADMIN)
    report = verify_store(app)
    assert report.ok and [c.journey_id for c in report.accounts] == [user_id("ann")]
    assert report.accounts[0].verified_through == 3


def test_editing_the_role_in_a_row_is_caught_on_an_unencrypted_store(app: CarePlan, users: Users) -> None:
    new = users.add("ann", "clinician", actor=ADMIN)
    Tamperer(app).edit_json(user_id("ann"), 1, lambda state: state.update(role="admin"))
    with pytest.raises(BrokenRecord):  # refused at load since issue 18 (it used to take effect)
        users.actor_for_token(new.token)
    (found,) = verify_store(app).breaks
    assert (found.kind, found.journey_id, found.version, found.problem) == ("account", user_id("ann"), 1, "hash_mismatch")
    assert str(found).startswith(f"account {user_id('ann')} version 1: hash_mismatch")


def test_editing_a_role_change_is_caught(app: CarePlan, users: Users) -> None:
    users.add("ann", "clinician", actor=ADMIN)
    users.change_role("ann", "auditor", actor=ADMIN)
    Tamperer(app).edit_json(user_id("ann"), 2, lambda state: state["data"].update(role="admin"))
    (found,) = verify_store(app).breaks
    assert (found.kind, found.version, found.problem) == ("account", 2, "hash_mismatch")


def test_deleting_the_newest_rows_to_re_enable_a_user_is_caught_by_the_heads(
    store_url: str, make_app: Callable[..., CarePlan], clock: Any, tmp_path: Path
) -> None:
    """On an encrypted store: AES-GCM authenticates each row alone, so deleting one needs no key."""
    app = make_app(store_url, clock, cipher_key=KEY)
    users = Users(app, password_method="pbkdf2:sha256:1000")
    users.add("ann", "clinician", actor=ADMIN, password="long enough")
    users.disable("ann", actor=ADMIN)
    heads = heads_then(app, tmp_path)
    Tamperer(app).delete(user_id("ann"), 2)
    assert users.authenticate("ann", "long enough") == Actor("ann", "clinician"), "the tamper took effect"
    assert verify_store(app).ok, "a chain alone cannot see its newest rows go"
    (found,) = anchor.compare(verify_store(app), heads)
    assert (found.kind, found.journey_id, found.version, found.problem) == ("account", user_id("ann"), 2, "missing_event")


def test_deleting_a_token_rotation_to_revive_the_old_token_is_caught_by_the_heads(
    app: CarePlan, users: Users, tmp_path: Path
) -> None:
    old = users.add("ann", "clinician", actor=ADMIN).token
    users.issue_token("ann", actor=ADMIN)
    heads = heads_then(app, tmp_path)
    Tamperer(app).delete(user_id("ann"), 2)
    assert users.actor_for_token(old) is not None, "the tamper took effect"
    (found,) = anchor.compare(verify_store(app), heads)
    assert (found.kind, found.version, found.problem) == ("account", 2, "missing_event")


def test_deleting_a_whole_account_is_caught_by_the_heads(app: CarePlan, users: Users, tmp_path: Path) -> None:
    users.add("ann", "clinician", actor=ADMIN)
    heads = heads_then(app, tmp_path)
    Tamperer(app).delete(user_id("ann"), 1)
    (found,) = anchor.compare(verify_store(app), heads)
    assert (found.kind, found.problem) == ("account", "missing_event")


def test_the_cli_saves_account_heads_and_reports_their_deleted_rows(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., CarePlan],
    capsys: pytest.CaptureFixture[str], clock: Any,
) -> None:  # fmt: skip
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", sqlite_url)
    users = Users(make_app(sqlite_url, clock), password_method="pbkdf2:sha256:1000")
    users.add("ann", "clinician", actor=ADMIN)
    users.disable("ann", actor=ADMIN)
    heads = tmp_path / "heads.json"
    assert main(["verify", "--save-heads", str(heads)]) == 0
    assert "1 accounts" in capsys.readouterr().out
    Tamperer(users.app).delete(user_id("ann"), 2)
    assert main(["verify", "--heads", str(heads)]) == 1
    out, err = capsys.readouterr()
    assert f"account {user_id('ann')} version 2: missing_event" in out
    assert "1 of 0 journeys and 1 accounts have a broken link" in err
