"""The one logging setup of every entry point: the CLI (``careplan ...``, the scheduler among them) and
the web app factory (``careplan web``, gunicorn's workers).

``CAREPLAN_LOG_LEVEL`` (DEBUG, INFO, WARNING, ERROR; default INFO) and ``CAREPLAN_LOG_FORMAT``
(``text``, the default, or ``json``: one JSON object per line, from python-json-logger, for a log
shipper). Lines go to standard error, times in UTC. Libraries that talk on every tick are held quiet
unless the level is DEBUG: APScheduler wrote two lines per job run (an idle scheduler 122 a
minute), and the connection pool writes one per reconnection attempt during an outage, where the web
already writes one line per refused request.

No record carries a patient reference: messages name routes, codes and counts, never request data.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from collections.abc import Mapping
from typing import TextIO

from careplan.adapters.settings import ConfigError

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("text", "json")
CHATTY = {"apscheduler": logging.ERROR, "psycopg.pool": logging.ERROR}
"""Loggers held at these levels unless the level is DEBUG: APScheduler's lines per job run and per
skipped run (a sweep longer than the interval), the pool's per reconnection attempt. A job that fails
is still logged (ERROR)."""
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class _Ours(logging.StreamHandler):
    """Marks the handler this module installed, so a second setup replaces it instead of adding one.

    It writes to the process's standard error as it is when a record is written, not as it was at
    setup (as the standard library's last-resort handler does): a stream swapped and closed since (a
    test runner's capture, a daemon's redirect) would otherwise turn each later line into a
    "Logging error" traceback."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """StreamHandler's own setup assigns it; standard error is read when writing instead."""


LINK = re.compile(r"/q/[^\s\"'?#/]+")
"""A patient's questionnaire link (``/q/{token}``): whoever holds the token can answer for the patient."""
REDACTED = "/q/<redacted>"


def redact_links(text: str) -> str:
    """The text with every questionnaire token replaced: no log line, whoever writes it, keeps one."""
    return LINK.sub(REDACTED, text) if "/q/" in text else text


class RedactLinks(logging.Filter):
    """Rewrites a record whose message holds ``/q/{token}`` (werkzeug's request line, Flask's "Exception
    on /q/... [POST]", a library's URL) before any formatter sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/q/" in message:
            record.msg, record.args = redact_links(message), None
        return True


def configure_logging(environ: Mapping[str, str] | None = None) -> None:
    """Installs the root handler for ``CAREPLAN_LOG_LEVEL`` and ``CAREPLAN_LOG_FORMAT``; idempotent."""
    env = os.environ if environ is None else environ
    level = log_level(env)
    handler = _Ours()
    handler.setFormatter(formatter(log_format(env)))
    handler.addFilter(RedactLinks())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Ours)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet in CHATTY.items():
        logging.getLogger(name).setLevel(logging.NOTSET if level == logging.DEBUG else quiet)


def log_level(env: Mapping[str, str]) -> int:
    name = (env.get("CAREPLAN_LOG_LEVEL") or "INFO").strip().upper()
    if name not in LEVELS:
        raise ConfigError(f"CAREPLAN_LOG_LEVEL must be one of {', '.join(LEVELS)}.")
    return int(logging.getLevelName(name))


def log_format(env: Mapping[str, str]) -> str:
    name = (env.get("CAREPLAN_LOG_FORMAT") or "text").strip().lower()
    if name not in FORMATS:
        raise ConfigError("CAREPLAN_LOG_FORMAT must be text or json.")
    return name


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",  # ISO 8601 in UTC
        )
    text = logging.Formatter(TEXT_FORMAT, datefmt="%Y-%m-%dT%H:%M:%SZ")
    text.converter = time.gmtime
    return text
