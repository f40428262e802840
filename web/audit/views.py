"""The auditor's routes. Past states come from the store itself (``CarePlan.view`` with ``version`` or
``as_of``), judged at their own moment, so the page shows what the clinic knew then."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Response, abort, render_template, request

from careplan.audit.verify import check_journey
from careplan.domain.errors import UnknownJourney
from events.read.queries import Page
from events.read.runtime import read_side_for
from web.audit.blueprint import AUDIT_ROLES, bp
from web.audit.diff import compare_journey, compare_steps
from web.audit.export import as_csv, as_json
from web.auth import requires, signed_in
from web.clinic import LocalTimeError, from_local_input, when
from web.journeys.timeline import entries
from web.query import MAX_PAGE, is_whole_number, whole_number
from web.services import careplan

PER_PAGE = 25


@bp.route("/")
@requires(*AUDIT_ROLES)
def index() -> str:
    number = whole_number("page", 1, 1, MAX_PAGE)
    side = read_side_for(careplan())
    page = side.journeys(offset=(number - 1) * PER_PAGE, limit=PER_PAGE)
    return render_template("audit/index.html", page=page, number=number, searched=None)


@bp.route("/search", methods=["POST"])
@requires(*AUDIT_ROLES)
def search() -> str:
    """By patient reference in the POST body only: the reference never reaches a logged URL."""
    term = request.form.get("q", "").strip()
    side = read_side_for(careplan())
    page = side.journeys(offset=0, limit=50, search=term) if term else Page([], 0, 0, 50)
    return render_template("audit/index.html", page=page, number=1, searched=term)


def _version_arg(name: str, latest: int) -> int | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    if not is_whole_number(text):
        abort(400, description=f"'{name}' must be a version: a whole number from 1 to {latest}.")
    if not 1 <= int(text) <= latest:
        abort(404, description=f"The journey has versions 1 to {latest}.")
    return int(text)


def _moment_arg() -> datetime | None:
    text = request.args.get("as_of", "").strip()
    if not text:
        return None
    try:
        return from_local_input(text)
    except LocalTimeError as error:
        abort(400, description=f"{error} For example 2026-03-02T09:00 (clinic time).")


@bp.route("/journeys/<uuid:journey_id>")
@requires(*AUDIT_ROLES)
def journey(journey_id: UUID) -> Any:
    app = careplan()
    latest = app.get(journey_id)
    version = _version_arg("version", latest.version)
    moment = _moment_arg()
    try:
        past, view = app.view(journey_id, as_of=moment) if moment else app.view(journey_id, version=version or latest.version)
    except UnknownJourney:
        return render_template(
            "audit/journey.html", journey=latest, latest=latest, view=None, moment=moment, events=[], check=None
        ), 404
    return render_template(
        "audit/journey.html",
        journey=past,
        latest=latest,
        view=view,
        moment=moment,
        events=entries(careplan().history(past.id, upto=past.version)),
        check=check_journey(app, journey_id) if past.version == latest.version else None,
    )


@bp.route("/journeys/<uuid:journey_id>/diff")
@requires(*AUDIT_ROLES)
def diff(journey_id: UUID) -> Any:
    """By version (``from``, ``to``: each side right after it was recorded) or by date (``as_of``: the
    state as known at that moment, judged then, against the state now)."""
    app = careplan()
    latest = app.get(journey_id)
    moment = _moment_arg()
    if moment is not None:
        try:
            old, old_view = app.view(journey_id, as_of=moment)
        except UnknownJourney:
            abort(404, description="Nothing was recorded about this journey by then: it was opened later.")
        new, new_view = app.view(journey_id)
        before, after = old.version, new.version
        labels = (f"As known at {when(moment)} (v{before})", f"Now, {when(app.clock())} (v{after})")
    else:
        before = _version_arg("from", latest.version) or max(1, latest.version - 1)
        after = _version_arg("to", latest.version) or latest.version
        if before > after:
            before, after = after, before
        old, old_view = app.view(journey_id, version=before)
        new, new_view = app.view(journey_id, version=after)
        labels = (f"Version {before}", f"Version {after}")
    between = [e for e in entries(careplan().history(new.id, upto=new.version)) if e.fact.version > before]
    return render_template(
        "audit/diff.html",
        journey=new,
        latest=latest,
        before=before,
        after=after,
        moment=moment,
        labels=labels,
        old_view=old_view,
        new_view=new_view,
        journey_changes=compare_journey(old_view, new_view),
        step_changes=compare_steps(old_view, new_view),
        between=between,
    )


@bp.route("/journeys/<uuid:journey_id>/log")
@requires(*AUDIT_ROLES)
def log(journey_id: UUID) -> str:
    journey = careplan().get(journey_id)
    return render_template("audit/log.html", journey=journey, latest=journey, events=entries(careplan().history(journey.id, upto=journey.version)))


@bp.route("/journeys/<uuid:journey_id>/history.<any(json, csv):kind>")
@requires(*AUDIT_ROLES)
def download(journey_id: UUID, kind: str) -> Response:
    app = careplan()
    journey = app.get(journey_id)
    if kind == "json":
        body, mimetype = as_json(journey, signed_in(), app.clock()), "application/json"
    else:
        body, mimetype = as_csv(journey), "text/csv"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="journey-{journey_id}-history.{kind}"'
    response.headers["Cache-Control"] = "no-store"
    return response

