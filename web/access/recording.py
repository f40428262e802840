"""Records each read of patient data, in the pages and the API, after it is answered.

A read is any GET of a journey (a URL with a journey id: state, timeline, events, FHIR, history,
diff, the event form, and that form shown again after a refused POST) and the lists that show
patient references (dashboard, worklists, journey lists, searches), and the access log's own page.
An answer that names a journey it was not asked for by id (a 409 ``journey_exists`` to someone
opening a journey for a patient reference that has one) is recorded as a read of that journey.
Refused reads (403, 404) are recorded too: attempts matter to an auditor. Only what was asked is
kept, from an allowlist of query parameters, so a search term (a patient reference) never reaches
the log. If the entry cannot be written, the answer is withheld (503): a read that
leaves no trace is not served.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from uuid import UUID

from flask import Response, request

from careplan.audit.access_log import Access, access_log_for
from web import errors
from web.access.blueprint import bp
from web.auth.session import current_actor
from web.services import careplan

log = logging.getLogger("careplan.access")

LIST_READS: frozenset[tuple[str, str]] = frozenset(
    {
        ("dashboard.index", "GET"),
        ("dashboard.search", "POST"),
        ("schedule.day", "GET"),
        ("audit.index", "GET"),
        ("audit.search", "POST"),
        ("api.Journeys", "GET"),
        ("api.Worklists", "GET"),
        ("reports.outcomes", "GET"),
        ("api.OutcomesReport", "GET"),
        ("access.index", "GET"),
    }
)
"""Reads that show many journeys (and their patient references) at once, and the access log itself:
who looked at the log (and so learnt who read whom) is an auditor's question too."""
RE_RENDERED = frozenset({409, 422})
"""A page's POST refused with one of these shows its form again, with the journey's patient reference
and latest events: a read like any other."""

ASKED = ("date", "version", "protocol", "as_of", "from", "to", "page", "page_size", "offset", "limit", "status", "step", "name", "kind")
"""The parts of a request worth keeping: which state, which page; never free text."""
MAX_VALUE = 64
_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def is_read(endpoint: str | None, method: str, view_args: dict[str, Any], status: int = 200) -> bool:
    if endpoint is None:
        return False
    if "journey_id" in view_args and method in ("GET", "HEAD"):
        return True
    if "journey_id" in view_args and method == "POST" and status in RE_RENDERED and not endpoint.startswith("api."):
        return True
    return (endpoint, method) in LIST_READS


def asked(args: dict[str, Any], view_args: dict[str, Any]) -> dict[str, str]:
    found = {name: str(args[name])[:MAX_VALUE] for name in ASKED if args.get(name)}
    found.update({name: str(value)[:MAX_VALUE] for name, value in view_args.items() if name in ASKED})
    return found


@bp.after_app_request
def record_read(response: Response) -> Response:
    view_args = request.view_args or {}
    named = errors.revealed()
    if named is None and not is_read(request.endpoint, request.method, view_args, response.status_code):
        return response
    actor = current_actor()
    if actor is None:
        return response  # refused before anyone was known (401 or the sign-in page): nothing was read
    app = careplan()
    journey_id = view_args.get("journey_id")
    entry = Access(
        at=app.clock(),
        user_id=actor.id,
        role=actor.role,
        journey_id=journey_id if isinstance(journey_id, UUID) else named,
        action=f"{request.method} {route()}",
        asked=asked(request.args.to_dict(), view_args),
        status=response.status_code,
    )
    try:
        access_log_for(app).record(entry)
    except Exception as error:  # the database refused: withhold the answer rather than serve it unlogged
        log.error("access log write failed (%s); the read was withheld", type(error).__name__)
        return _withheld()
    return response


def route() -> str:
    """The URL rule with its parameters named (``/api/v1/journeys/{journey_id}``), not their values."""
    rule = request.url_rule.rule if request.url_rule else request.path
    return _PARAMETER.sub(r"{\1}", rule)


def _withheld() -> Any:
    message = "This read could not be recorded in the access log, so it is not shown. Try again shortly."
    if errors.is_api_request():
        return errors.problem(503, "access_log_unavailable", message)
    return Response(message, status=503, mimetype="text/plain")
