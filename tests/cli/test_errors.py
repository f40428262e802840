"""Bad arguments and unknown journeys: one line on stderr, exit code 2, no traceback, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from careplan.application import CarePlan
from tests.cli.conftest import careplan, store_url

UNKNOWN = "6c8a0a56-1b55-4a43-9d33-2c3c1f0e0000"
REFUSED = [
    pytest.param(["demo", "--patients", "0"], "whole number of 1 or more", id="no-patients"),
    pytest.param(["demo", "--patients", "x"], "whole number of 1 or more", id="patients-not-a-number"),
    pytest.param(["demo", "--patients", "-3"], "", id="negative-patients"),
    pytest.param(["demo"], "--patients", id="patients-missing"),
    pytest.param(["demo", "--patients", "3", "--now", "2999-01-01T00:00:00+00:00"], "future", id="now-in-future"),
    pytest.param(["demo", "--patients", "3", "--now", "yesterday"], "ISO 8601", id="now-malformed"),
    pytest.param(["replay", "not-a-uuid"], "not a journey id", id="malformed-uuid"),
    pytest.param(["replay", UNKNOWN], "No journey", id="unknown-journey"),
    pytest.param(["replay", UNKNOWN, "--as-of", "2026-13-45"], "ISO 8601", id="malformed-iso"),
    pytest.param(["replay", UNKNOWN, "--version", "2", "--as-of", "2026-03-01"], "not allowed with", id="both-pasts"),
    pytest.param(["replay", UNKNOWN, "--version", "0"], "whole number of 1 or more", id="version-zero"),
    pytest.param(["export", "--journey", UNKNOWN], "No journey", id="export-unknown-journey"),
    pytest.param(["export", "--journey", "nope"], "not a journey id", id="export-malformed-uuid"),
]


@pytest.mark.parametrize(("argv", "said"), REFUSED)
def test_a_bad_argument_is_one_line_on_stderr_and_exit_2(capsys, cohort_env: str, reader: CarePlan, argv, said) -> None:
    before = sum(1 for _ in reader.journey_ids())
    ran = careplan(capsys, *argv)
    assert ran.code == 2
    assert ran.out == ""
    assert ran.err.count("\n") == 1 and ran.err.startswith("careplan")
    assert said in ran.err
    assert "Traceback" not in ran.err
    assert sum(1 for _ in reader.journey_ids()) == before


def test_an_export_to_an_unwritable_place_leaves_nothing_behind(capsys, cohort_env: str, tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "events.jsonl"
    ran = careplan(capsys, "export", "--output", str(target))
    assert ran.code == 2 and ran.err.count("\n") == 1 and "cannot write" in ran.err
    assert not target.parent.exists()


@pytest.mark.parametrize("command", ["demo", "replay", "export"])
def test_each_subcommand_explains_itself_with_help(capsys, command: str) -> None:
    ran = careplan(capsys, command, "--help")
    assert ran.code == 0
    assert ran.out.startswith(f"usage: careplan {command}")


def test_the_installed_script_refuses_an_unknown_journey_with_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "CAREPLAN_DATABASE_URL": store_url(tmp_path / "careplan.sqlite")}
    done = subprocess.run(
        [_script(), "replay", UNKNOWN], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [f"careplan replay: No journey with id {UNKNOWN}."]


def test_the_installed_script_refuses_zero_patients_with_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "CAREPLAN_DATABASE_URL": store_url(tmp_path / "careplan.sqlite")}
    done = subprocess.run(
        [_script(), "demo", "--patients", "0"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


def _script() -> str:
    """The ``careplan`` console script installed next to this interpreter."""
    beside = Path(sys.executable).with_name("careplan")
    return str(beside) if beside.exists() else "careplan"
