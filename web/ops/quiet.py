"""Keeps the ops endpoints out of what a request normally touches: the session (a probe carries no
cookie worth a database read, and a cookie it does carry must not turn ``/health`` into a store
failure during an outage) and the request logs (a probe every few seconds would drown them)."""

from __future__ import annotations

import logging
from collections.abc import Set
from typing import Any

from flask import Flask, Request
from flask.sessions import SessionInterface, SessionMixin

GUNICORN_ACCESS = "gunicorn.access"


class WithoutSessionFor(SessionInterface):
    """The app's session interface, except that ``paths`` get a null session (nothing read or saved)."""

    def __init__(self, inner: SessionInterface, paths: Set[str]) -> None:
        self.inner = inner
        self.paths = paths

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if request.path in self.paths:
            return self.make_null_session(app)
        return self.inner.open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Any) -> None:
        self.inner.save_session(app, session, response)

    def is_null_session(self, obj: object) -> bool:
        return self.inner.is_null_session(obj)


class LeaveOut(logging.Filter):
    """Drops gunicorn's access-log records of ``paths`` (its record's ``args`` hold the atoms: ``U``
    is the path without the query string)."""

    def __init__(self, paths: Set[str]) -> None:
        super().__init__()
        self.paths = paths

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args
        return not (isinstance(atoms, dict) and atoms.get("U") in self.paths)


def leave_out_of_access_logs(paths: Set[str]) -> None:
    logger = logging.getLogger(GUNICORN_ACCESS)
    if not any(isinstance(f, LeaveOut) for f in logger.filters):
        logger.addFilter(LeaveOut(paths))
