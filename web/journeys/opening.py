"""The coordinator's form that opens a journey for a patient on a protocol.

The patient reference travels in the POST body only; the page that follows is the journey's own,
addressed by its UUID, so the reference never reaches a logged URL.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from careplan.domain.errors import JourneyExists, RuleViolation, UnknownProtocol
from events.schemas import validate_journey_open
from web import errors
from web.auth import current_actor, requires
from web.auth.permissions import OPEN_JOURNEY, roles_with
from web.clinic import LocalTimeError
from web.journeys import submissions
from web.journeys.blueprint import bp
from web.journeys.formdata import local_to_iso, submission_errors
from web.services import careplan

FIELDS = ("patient_ref", "protocol", "protocol_version", "occurred_at", "reason")


@bp.route("/new", methods=["GET", "POST"])
@requires(*roles_with(OPEN_JOURNEY))
def new() -> Any:
    if request.method != "POST":  # HEAD too: only a POST records
        return _page({"protocol": "ketamine-trd"}, {}, submissions.new_nonce())
    raw = {name: request.form.get(name, "").strip() for name in FIELDS}
    nonce = request.form.get("nonce", "")
    done = submissions.opened_journey(nonce) if nonce else None
    if done is not None:
        flash("This form was already sent: the journey was opened once.", "info")
        return redirect(url_for("journeys.timeline", journey_id=done))
    payload: dict[str, Any] = {key: value for key, value in raw.items() if value}
    if "occurred_at" in payload:
        try:
            payload["occurred_at"] = local_to_iso(payload["occurred_at"])
        except LocalTimeError as error:
            return _page(raw, {"occurred_at": [str(error)]}, nonce, 422)
    try:
        opening = validate_journey_open(payload)
        journey_id = careplan().open_journey(
            opening.patient_ref,
            actor=current_actor(),  # type: ignore[arg-type]
            protocol_id=opening.protocol,
            protocol_version=opening.protocol_version,
            occurred_at=opening.occurred_at,
            reason=opening.reason,
            previous_journey_id=opening.previous_journey_id,
        )
    except ValidationError as error:
        return _page(raw, submission_errors(error.messages), nonce, 422)  # type: ignore[arg-type]
    except UnknownProtocol as error:
        return _page(raw, {"protocol_version": [str(error)]}, nonce, 422)
    except JourneyExists as error:
        errors.reveal(error.journey_id)  # the page links the open journey: a read for the access log
        return _page(raw, {}, nonce, 409, existing=error.journey_id)
    except RuleViolation as error:
        return _page(raw, {"occurred_at": [error.message]}, nonce, 422)
    submissions.remember_opening(nonce, journey_id)
    flash("Journey opened.", "success")
    return redirect(url_for("journeys.timeline", journey_id=journey_id))


def _page(
    raw: dict[str, str], errors: dict[str, list[str]], nonce: str, status: int = 200, existing: Any = None
) -> tuple[str, int]:
    """The form; with ``existing``, the open journey that stands in the way, linked by its id."""
    registry = careplan().protocols
    protocols = sorted({(p.id, p.title) for p in registry})
    page = render_template(
        "journeys/new.html", raw=raw, errors=errors, nonce=nonce, protocols=protocols, existing=existing
    )
    return page, status
