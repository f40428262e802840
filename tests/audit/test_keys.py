"""Encryption at rest: a key made by ``careplan keys generate``, production mode refusing to run
without one, and a rotation that copies every event under a new key and proves the copy."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from careplan.adapters import security
from careplan.adapters.settings import ConfigError, StoreUnreadable
from careplan.application import CarePlan
from careplan.audit.rotate import rotate
from careplan.audit.verify import verify_store
from careplan.entrypoints.cli.main import main
from tests.audit.histories import PATIENT_REF, short_history
from tests.audit.tamper import Tamperer

OLD_KEY = base64.b64encode(b"o" * 32).decode()
NEW_KEY = base64.b64encode(b"n" * 32).decode()


def test_keys_generate_prints_a_new_256_bit_key_alone_on_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "generate"]) == 0
    first = capsys.readouterr().out
    assert main(["keys", "generate"]) == 0
    second = capsys.readouterr().out
    assert first != second and first.count("\n") == 1
    assert len(base64.b64decode(first.strip(), validate=True)) == 32
    security.require_encryption({"CAREPLAN_CIPHER_KEY": first.strip()})


def test_production_is_the_default_mode_and_refuses_to_start_without_a_key() -> None:
    assert security.mode({}) == "production"
    with pytest.raises(ConfigError) as refused:
        security.require_encryption({})
    message = str(refused.value)
    assert "\n" not in message and "CAREPLAN_CIPHER_KEY" in message and "careplan keys generate" in message


def test_demo_mode_runs_without_a_key_by_flag_or_environment() -> None:
    assert security.require_encryption({}, demo=True) == "demo"
    assert security.require_encryption({"CAREPLAN_MODE": "demo"}) == "demo"
    assert security.require_encryption({"CAREPLAN_CIPHER_KEY": OLD_KEY}) == "production"


def test_a_malformed_key_or_mode_is_refused_in_one_sentence() -> None:
    with pytest.raises(ConfigError, match="CAREPLAN_CIPHER_KEY must be"):
        security.require_encryption({"CAREPLAN_CIPHER_KEY": "not-a-key"})
    with pytest.raises(ConfigError, match="CAREPLAN_MODE must be production or demo"):
        security.mode({"CAREPLAN_MODE": "staging"})


def test_rotation_copies_every_event_under_the_new_key_and_verifies_the_copy(
    make_app: Any, sqlite_url: str, postgres_url: str, clock: Any
) -> None:
    old = make_app(sqlite_url, clock, cipher_key=OLD_KEY)
    journeys = [short_history(old, clock), short_history(old, clock, patient_ref="MRN-0002")]
    new = make_app(postgres_url, clock, cipher_key=NEW_KEY)
    result = rotate(old, new)
    assert (result.events, result.journeys, result.report.ok) == (16, 2, True)  # with 2 patient indexes of 2 events
    for journey in journeys:
        assert new.history(journey) == old.history(journey)
    stored = Tamperer(new).state(journeys[0], 1)
    assert PATIENT_REF.encode() not in stored
    with pytest.raises(StoreUnreadable):
        make_app(postgres_url, clock, cipher_key=OLD_KEY).get(journeys[0])


def test_rotation_refuses_a_store_that_is_not_empty(make_app: Any, sqlite_url: str, tmp_path: Any, clock: Any) -> None:
    old = make_app(sqlite_url, clock, cipher_key=OLD_KEY)
    short_history(old, clock)
    used = make_app(f"sqlite:///{tmp_path / 'used.sqlite'}", clock, cipher_key=NEW_KEY)
    short_history(used, clock)
    with pytest.raises(ConfigError, match="not empty"):
        rotate(old, used)
    assert len(verify_store(used).journeys) == 1


def test_keys_rotate_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, make_app: Any, sqlite_url: str, tmp_path: Any, clock: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    old: CarePlan = make_app(sqlite_url, clock, cipher_key=OLD_KEY)
    short_history(old, clock)
    target = f"sqlite:///{tmp_path / 'rotated.sqlite'}"
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CAREPLAN_CIPHER_KEY", OLD_KEY)
    monkeypatch.delenv("CAREPLAN_NEW_CIPHER_KEY", raising=False)
    assert main(["keys", "rotate", "--to-url", target]) == 2
    assert "CAREPLAN_NEW_CIPHER_KEY" in capsys.readouterr().err
    monkeypatch.setenv("CAREPLAN_NEW_CIPHER_KEY", NEW_KEY)
    assert main(["keys", "rotate", "--to-url", target]) == 0
    assert "copied 1 journeys, 8 events" in capsys.readouterr().out  # and the patient index's 2
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", target)
    monkeypatch.setenv("CAREPLAN_CIPHER_KEY", NEW_KEY)
    assert main(["verify"]) == 0


def test_an_app_uses_the_key_of_its_settings_whatever_the_process_environment_says(
    monkeypatch: pytest.MonkeyPatch, make_app: Any, sqlite_url: str, clock: Any
) -> None:
    monkeypatch.setenv("CAREPLAN_CIPHER_KEY", OLD_KEY)
    journey = short_history(make_app(sqlite_url, clock, cipher_key=NEW_KEY), clock)
    monkeypatch.delenv("CAREPLAN_CIPHER_KEY")
    assert make_app(sqlite_url, clock, cipher_key=NEW_KEY).get(journey).version == 6


@pytest.mark.parametrize("command", [["web"], ["serve"], ["scheduler"]])
def test_long_running_commands_refuse_production_without_a_key(
    command: list[str], monkeypatch: pytest.MonkeyPatch, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("CAREPLAN_CIPHER_KEY", raising=False)
    monkeypatch.delenv("CAREPLAN_MODE", raising=False)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CAREPLAN_CIPHER_KEY is not set" in err and "--demo" in err
