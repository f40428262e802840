"""The auditor's review of the access log: by person, by journey and by time, newest first, by pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import abort, render_template, request, url_for

from careplan.audit.access_log import access_log_for
from web.access.blueprint import ACCESS_ROLES, bp
from web.auth import requires
from web.clinic import LocalTimeError, from_local_input
from web.query import MAX_PAGE, whole_number
from web.services import careplan

PER_PAGE = 50


@bp.route("/")
@requires(*ACCESS_ROLES)
def index() -> str:
    filters = _filters()
    number = _page_number()
    page = access_log_for(careplan()).search(**filters, offset=(number - 1) * PER_PAGE, limit=PER_PAGE)
    shown = {name: request.args.get(name, "").strip() for name in ("user", "journey", "since", "until")}
    return render_template(
        "access/index.html",
        page=page,
        number=number,
        shown=shown,
        previous_url=_url(shown, number - 1) if number > 1 else None,
        next_url=_url(shown, number + 1) if page.offset + len(page.entries) < page.total else None,
    )


def _filters() -> dict[str, Any]:
    journey_text = request.args.get("journey", "").strip()
    try:
        journey = UUID(journey_text) if journey_text else None
    except ValueError:
        abort(400, description="The journey filter takes a journey id (a UUID).")
    return {
        "user_id": request.args.get("user", "").strip() or None,
        "journey_id": journey,
        "since": _moment("since"),
        "until": _moment("until"),
    }


def _moment(name: str) -> datetime | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return from_local_input(text)
    except LocalTimeError as error:
        abort(400, description=f"'{name}': {error} For example 2026-03-02T09:00 (clinic time).")


def _page_number() -> int:
    return whole_number("page", 1, 1, MAX_PAGE)


def _url(shown: dict[str, str], number: int) -> str:
    query: dict[str, Any] = {k: v for k, v in shown.items() if v}
    return url_for("access.index", **query, page=number)
