"""The clinician's page that moves a journey to another protocol version (DESIGN 7.6).

First a dry run: the page shows the domain's report of what would change (step statuses, the
series, the window, holds, findings, new prerequisites, alerts), each change that lowers a guard on
care marked. Then the migration, with the reason; where the report marks a change, the clinician
ticks that they confirm it. The domain judges both (``PatientJourney.migrate``), as for the API and
the CLI: this page only reads the form and shows the answer.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import abort, flash, redirect, render_template, request, url_for

from careplan.domain import roles
from careplan.domain.errors import RuleViolation
from careplan.domain.journey import PatientJourney
from careplan.domain.migration import MigrationNeedsConfirmation, MigrationReport
from web.auth import current_actor, requires
from web.journeys.blueprint import bp
from web.query import is_whole_number
from web.services import careplan


@bp.route("/<uuid:journey_id>/migrations", methods=["GET", "POST"])
@requires(*roles.MIGRATES)
def migration(journey_id: UUID) -> Any:
    app, actor = careplan(), current_actor()
    assert actor is not None
    journey = app.get(journey_id)
    targets = [v for v in app.protocols.versions(journey.protocol_id) if v != journey.protocol_version]
    if request.method != "POST":
        return _page(journey, targets, targets[-1] if targets else None, "", None, None)
    to, reason = _to_version(request.form.get("to_version", ""), targets), request.form.get("reason", "").strip()
    errors = {}
    if to is None:
        errors["to_version"] = "Choose a version to move to."
    if not reason:
        errors["reason"] = "Say why the journey moves (it is recorded with the migration)."
    if errors:
        return _page(journey, targets, to, reason, None, None, errors), 422
    assert to is not None
    try:
        if request.form.get("action") != "migrate":
            report = app.migration_report(journey_id, to, actor=actor, reason=reason)
            return _page(journey, targets, to, reason, report, None)
        version, report = app.migrate_with_report(
            journey_id, to, actor=actor, reason=reason, confirm=request.form.get("confirm") == "yes"
        )
    except MigrationNeedsConfirmation as refused:
        return _page(journey, targets, to, reason, refused.report, refused), 422
    except RuleViolation as refused:  # journey_closed, reason_required: the form says why (others: error page)
        return _page(journey, targets, to, reason, None, refused), 422
    flash(f"Moved to protocol version {to} (version {version} of the journey).", "success")
    return redirect(url_for("journeys.timeline", journey_id=journey_id))


def _to_version(text: str, targets: list[int]) -> int | None:
    return int(text) if is_whole_number(text) and int(text) in targets else None


def _page(
    journey: PatientJourney,
    targets: list[int],
    to: int | None,
    reason: str,
    report: MigrationReport | None,
    refusal: RuleViolation | None,
    errors: dict[str, str] | None = None,
) -> str:
    if not targets:
        abort(404, description="The journey's protocol has no other version to move to.")
    return render_template(
        "journeys/migration.html",
        journey=journey,
        targets=targets,
        to=to,
        reason=reason,
        report=report,
        refusal=refusal,
        errors=errors or {},
    )
