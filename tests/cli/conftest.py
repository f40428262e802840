"""Running the real console entry point against a SQLite file chosen by the environment.

``CAREPLAN_DATABASE_URL`` is configuration, exactly as a clinic sets it: the tests set it and call
``careplan.entrypoints.cli.main.main``, or run the installed ``careplan`` script in a subprocess.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from careplan.application import CarePlan
from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli.main import main

NOW = "2026-03-02T15:30:00+00:00"
"""The moment the test cohorts are seen from: fixed, so two runs write the same cohort."""
NOW_AT = datetime.fromisoformat(NOW)


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def careplan(capsys: pytest.CaptureFixture[str], *argv: str) -> Ran:
    """Runs ``careplan ARGV...`` in this process, as the console script does."""
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as stop:  # argparse refusing an argument, or --help
        code = int(stop.code or 0)
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


def store_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty store for this test, named by the environment."""
    url = store_url(tmp_path / "careplan.sqlite")
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", url)
    return url


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A 30-patient demo cohort written once per module through ``careplan demo``; tests only read it."""
    url = store_url(tmp_path_factory.mktemp("cohort") / "careplan.sqlite")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAREPLAN_DATABASE_URL", url)
        assert main(["demo", "--patients", "30", "--seed", "7", "--now", NOW]) == 0
        yield url


@pytest.fixture(scope="module")
def smallest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The smallest demo cohort that shows every stage (one patient per stage), written once per module."""
    from careplan.demo import STAGES

    url = store_url(tmp_path_factory.mktemp("smallest") / "careplan.sqlite")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAREPLAN_DATABASE_URL", url)
        assert main(["demo", "--patients", str(len(STAGES)), "--seed", "7", "--now", NOW]) == 0
        yield url


@pytest.fixture
def cohort_env(cohort: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", cohort)
    return cohort


@pytest.fixture
def reader(cohort: str) -> Iterator[CarePlan]:
    app = build_app({"CAREPLAN_DATABASE_URL": cohort, "CAREPLAN_MODE": "demo"})
    yield app
    app.close()
