"""One logging setup for every entry point: CAREPLAN_LOG_LEVEL and CAREPLAN_LOG_FORMAT=json (one JSON
object per line, parseable by a log shipper), APScheduler quiet unless DEBUG, a standby scheduler that
says once that it stands by, and no patient reference in any line."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from careplan.adapters.logs import configure_logging
from careplan.adapters.settings import ConfigError
from careplan.domain.values import Actor
from careplan.entrypoints.bootstrap import build_app
from tests.scheduling.cli import careplan_argv, careplan_env

MRN = "MRN-LOG-4242"


@pytest.fixture(autouse=True)
def plain_logging_after() -> object:
    yield None
    configure_logging({})  # later tests in this process get the default setup back


def test_json_logs_are_one_object_per_line_with_level_logger_time_and_message(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging({"CAREPLAN_LOG_FORMAT": "json", "CAREPLAN_LOG_LEVEL": "info"})
    log = logging.getLogger("careplan.test")
    log.debug("not shown at INFO")
    log.info("swept %d journeys", 3)
    try:
        raise RuntimeError("boom\nsecond line")
    except RuntimeError:
        log.exception("failed")
    lines = capsys.readouterr().err.strip().splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["level"], r["logger"], r["message"]) for r in records] == [
        ("INFO", "careplan.test", "swept 3 journeys"),
        ("ERROR", "careplan.test", "failed"),
    ]
    assert records[0]["time"].endswith("+00:00")
    assert "second line" in records[1]["exc_info"]  # a traceback stays inside its one line


def test_apscheduler_and_the_pool_are_quiet_unless_debug() -> None:
    configure_logging({})
    assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.ERROR
    assert logging.getLogger("psycopg.pool").getEffectiveLevel() == logging.ERROR
    configure_logging({"CAREPLAN_LOG_LEVEL": "DEBUG"})
    assert logging.getLogger("apscheduler.executors.default").getEffectiveLevel() == logging.DEBUG
    assert len([h for h in logging.getLogger().handlers if type(h).__name__ == "_Ours"]) == 1  # set up twice, one handler


@pytest.mark.parametrize(("name", "value"), [("CAREPLAN_LOG_LEVEL", "LOUD"), ("CAREPLAN_LOG_FORMAT", "xml")])
def test_a_bad_logging_setting_is_one_line_and_exit_2(tmp_path: Path, name: str, value: str) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    done = subprocess.run(careplan_argv("verify"), env=careplan_env(url, **{name: value}), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert name in line
    with pytest.raises(ConfigError, match=name):
        configure_logging({name: value})


class Lines:
    """A child process's output, read line by line in a thread, so the test can wait for a line."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, start: str, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while not any(json.loads(line)["message"].startswith(start) for line in list(self.lines)):
            assert time.monotonic() < deadline and self.process.poll() is None, self.lines
            time.sleep(0.1)

    def stop(self) -> list[dict[str, str]]:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self._reader.join(timeout=10)
        return [json.loads(line) for line in self.lines]


@pytest.mark.slow
def test_schedulers_log_json_and_the_standby_says_so_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    app = build_app({"CAREPLAN_DATABASE_URL": url, "CAREPLAN_MODE": "demo"})
    app.open_journey(MRN, actor=Actor("c", "coordinator"))
    app.close()
    env = careplan_env(url, CAREPLAN_LOG_FORMAT="json")
    active = Lines(careplan_argv("scheduler", "--interval", "0.3"), env)
    standby = None
    try:
        active.wait_for("active scheduler")
        standby = Lines(careplan_argv("scheduler", "--interval", "0.3"), env)
        standby.wait_for("standing by")
        time.sleep(4.5)  # the standby tries the lock every 2 s: two more tries, and nothing more said
    finally:
        records = [process.stop() for process in (active, standby) if process is not None]
    assert len(records) == 2
    for output in records:
        assert output and all({"level", "logger", "message", "time"} <= set(r) for r in output)
        assert MRN not in json.dumps(output)
        assert not [r for r in output if r["logger"].startswith("apscheduler") and r["level"] == "INFO"]
    assert len([r for r in records[1] if r["message"].startswith("standing by")]) == 1, records[1]
