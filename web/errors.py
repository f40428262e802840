"""Every error of the app, answered in the caller's language: JSON under ``/api/``, a page elsewhere.

API errors are one shape, ``{"code", "message", "errors"?, "current_version"?}``: ``code`` is stable
(a rule's code such as ``blood_pressure_hold``, or ``validation_failed``, ``malformed_json``, ...),
``message`` is a sentence for people, ``errors`` holds field-level messages. Bad input is always a 4xx;
a 500 means a bug, is logged without the request's data (no patient reference reaches a log), and
still answers in the same shape.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from careplan.adapters.settings import ConfigError
from careplan.booking import ChairTaken
from careplan.domain.errors import (
    BrokenRecord,
    CarePlanError,
    JourneyExists,
    NotAllowed,
    RuleViolation,
    StoreBusy,
    UnknownJourney,
    VersionConflict,
)
from careplan.domain.patient import PatientDetailsNotPermitted
from careplan.domain.users import UnknownUser, UserExists
from careplan.series import SeriesRefused

API_PREFIX = "/api/v1"
_REVEALED = "careplan_revealed_journey"
log = logging.getLogger("careplan.web")

STORE_DOWN: tuple[type[Exception], ...] = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
"""What a store that does not answer raises: refused or lost connections, a pool wait that ran out
(``PoolTimeout``), a statement the server cancelled, the server shutting down; the library's own
wrappers and psycopg's, since side tables and views use the pool's connections directly."""
RETRY_AFTER_SECONDS = 5

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
}
STATUS: tuple[tuple[type[CarePlanError], int], ...] = (
    (VersionConflict, 409),
    (JourneyExists, 409),
    (ChairTaken, 409),
    (UserExists, 409),
    (UnknownJourney, 404),
    (UnknownUser, 404),
    (RuleViolation, 422),
    (NotAllowed, 403),
    (PatientDetailsNotPermitted, 403),
    (StoreBusy, 503),
    (BrokenRecord, 503),  # a stored record that does not hold together is not served (issue 18)
)
PAGE_TITLES = {
    401: "Sign in first", 403: "Not allowed", 404: "Not found", 409: "Changed meanwhile", 422: "Not recorded",
    503: "Not available",
}


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def status_of(error: CarePlanError) -> int:
    if isinstance(error, SeriesRefused):
        return error.status  # 409 for a chair taken, 422 for a rule, as for one booking
    for kind, status in STATUS:
        if isinstance(error, kind):
            return status
    return 422  # an unknown protocol or event type, an invalid username: the input is at fault


def problem(status: int, code: str, message: str, errors: Any = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    return response


def http_error(error: HTTPException) -> Response | tuple[str, int]:
    status = error.code or 500
    if not is_api_request():
        return page(status, error.description or "")
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if status == 400 and messages == {"json": ["Invalid JSON body."]}:
        return problem(400, "malformed_json", "The request body is not valid JSON.")
    if isinstance(messages, dict) and len(messages) == 1:
        messages = next(iter(messages.values()))  # webargs nests under the location ("json", "query")
    response = problem(status, data.get("code") or HTTP_CODES.get(status, "error"), _message(status, error, data), messages)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="careplan"'
    if status == 405:
        response.headers.update((k, v) for k, v in error.get_headers() if k == "Allow")  # RFC 9110
    return response


def _message(status: int, error: HTTPException, data: dict[str, Any]) -> str:
    if "message" in data:
        return str(data["message"])
    if status == 422:
        return "The request did not pass validation; see the field messages."
    return error.description or error.name


def reveal(journey_id: object) -> None:
    """Marks this answer as naming a journey the caller did not ask for by id (a 409 ``journey_exists``
    names the open journey of a patient reference): the access log records it as a read of that journey."""
    setattr(g, _REVEALED, journey_id)


def revealed() -> UUID | None:
    """The journey this answer names without being asked for it by id, if any (see ``reveal``)."""
    found = g.get(_REVEALED)
    return found if isinstance(found, UUID) else None


def domain_error(error: CarePlanError) -> Response | tuple[str, int]:
    status = status_of(error)
    if isinstance(error, JourneyExists):
        reveal(error.journey_id)
    if not is_api_request():
        return page(status, str(error))
    extra: dict[str, Any] = {"current_version": error.current_version} if isinstance(error, VersionConflict) else {}
    if isinstance(error, JourneyExists):
        extra = {"journey_id": str(error.journey_id)}
    if isinstance(error, SeriesRefused):
        extra = {"index": error.index}
    report = getattr(error, "report", None)  # a migration that needs confirming names what it would change
    if report is not None:
        extra = {"report": report.as_dict()}
    code = "forbidden" if isinstance(error, NotAllowed) else error.code
    errors = getattr(error, "errors", None)
    response = problem(status, code, str(error), errors, **extra)
    if isinstance(error, StoreBusy):
        response.headers["Retry-After"] = "1"
    return response


def unexpected(error: Exception) -> Response | tuple[str, int]:
    if isinstance(error, HTTPException):
        return http_error(error)
    rule = request.url_rule.rule if request.url_rule else "?"
    log.error("Unhandled %s in %s %s", type(error).__name__, request.method, rule, exc_info=error)
    if not is_api_request():
        return page(500, "Something went wrong on our side.")
    return problem(500, "internal_error", "Something went wrong on our side; the request was not completed.")


def not_configured(error: ConfigError) -> Response | tuple[str, int]:
    """The deployment is not ready (no schema for a role that may not create one, a key that cannot
    read the store): a 503 with the setting's own sentence, which names a variable or a command and
    never a record, and one log line, not a traceback."""
    log.error("Not configured: %s", error)
    if not is_api_request():
        return page(503, str(error))
    return problem(503, "not_configured", str(error))


def store_unavailable(error: Exception) -> Response | tuple[str, int]:
    """The database does not answer: 503 with ``Retry-After`` and one log line naming the route and the
    error's type, never a traceback (an outage would write hundreds) nor the error's text."""
    rule = request.url_rule.rule if request.url_rule else "?"
    log.warning("store unavailable: %s in %s %s", type(error).__name__, request.method, rule)
    message = "The database does not answer at the moment. Try again shortly."
    if is_api_request():
        response = problem(503, "store_unavailable", message)
    else:
        body, status = page(503, message)
        response = Response(body, status=status, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def page(status: int, message: str) -> tuple[str, int]:
    title = PAGE_TITLES.get(status, "Error")
    try:
        return render_template("error.html", code=status, title=title, message=message), status
    except Exception:  # no template yet, or the page itself failing: still an answer, not a traceback
        return f"{status} {title}: {message}", status


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(CarePlanError, domain_error)
    app.register_error_handler(ConfigError, not_configured)
    for kind in STORE_DOWN:
        app.register_error_handler(kind, store_unavailable)
    app.register_error_handler(Exception, unexpected)
