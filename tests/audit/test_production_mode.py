"""Production mode is enforced where every process passes (``build_app`` and ``create_app``): no
command and no web worker writes or reads patient data without ``CAREPLAN_CIPHER_KEY``."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from careplan.adapters.settings import ConfigError
from careplan.entrypoints.cli.main import main
from web.app import create_app

STORE_COMMANDS = [
    ["users", "add", "alice", "--role", "admin"],
    ["users", "list"],
    ["tick", "--now", "2026-03-02T09:00:00+00:00"],
    ["demo", "--patients", "1"],
    ["verify"],
    ["export"],
    ["replay", "00000000-0000-4000-8000-000000000000"],
    ["projections", "rebuild"],
    ["web"],
    ["serve"],
    ["scheduler"],
]


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "careplan.sqlite"
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.delenv("CAREPLAN_CIPHER_KEY", raising=False)
    monkeypatch.delenv("CAREPLAN_MODE", raising=False)
    return path


@pytest.mark.parametrize("command", STORE_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_that_opens_the_store_refuses_production_without_a_key(
    command: list[str], production: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CAREPLAN_CIPHER_KEY is not set" in err
    assert not production.exists() or _tables(production) == set()


def test_the_app_factory_refuses_production_without_a_key_before_serving(production: Path) -> None:
    with pytest.raises(ConfigError, match="CAREPLAN_CIPHER_KEY is not set"):
        create_app()
    assert not production.exists()


def test_gunicorns_factory_string_refuses_to_load_without_a_key(production: Path) -> None:
    code = "from web.app import create_app; create_app()"
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert ran.returncode != 0 and "CAREPLAN_CIPHER_KEY is not set" in ran.stderr


def test_a_short_secret_key_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", f"sqlite:///{tmp_path / 'c.sqlite'}")
    monkeypatch.setenv("CAREPLAN_SECRET_KEY", "x")
    with pytest.raises(ConfigError) as refused:
        create_app()
    assert "CAREPLAN_SECRET_KEY must be at least 32 characters" in str(refused.value)
    assert "\n" not in str(refused.value)
    monkeypatch.setenv("CAREPLAN_SECRET_KEY", "y" * 32)
    assert create_app().config["SECRET_KEY"] == "y" * 32


def test_demo_mode_opens_the_store_without_a_key(production: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREPLAN_MODE", "demo")
    assert main(["users", "list"]) == 0


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
