"""The patient in the chair: the banner on every journey page, the form that records who the patient
is, and the printable record of one administration.

The banner is computed where the journey's heading is drawn (``journeys/_journey_head.html`` calls
``patient_banner``), so every page that shows a journey shows it, and no page can forget it. The
form posts to the journey's own URL: the patient's name and date of birth travel in the body only.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import abort, flash, redirect, render_template, request, url_for

from careplan.domain.administration import session_record
from careplan.domain.errors import InvalidEvent
from careplan.domain.journey import PatientJourney
from careplan.domain.patient import WRITERS, PatientDetails
from careplan.domain.view import JourneyView
from careplan.patients import Banner, Patients
from web.auth import current_actor, requires
from web.auth.permissions import READ, roles_with
from web.journeys.blueprint import bp
from web.services import careplan

FIELDS = ("name", "birth_date", "allergies", "phone", "email")


@bp.app_context_processor
def banner_helpers() -> dict[str, Any]:
    return {"patient_banner": patient_banner, "may_edit_patient": may_edit_patient}


def patient_banner(journey: PatientJourney, view: JourneyView | None = None) -> Banner:
    app = careplan()
    if view is None:
        view = journey.view(app.protocol, app.clock())
    return Patients(app).banner(journey, view)


def may_edit_patient() -> bool:
    actor = current_actor()
    return actor is not None and actor.role in WRITERS


@bp.route("/<uuid:journey_id>/patient", methods=["GET", "POST"])
@requires(*roles_with(READ))
def patient(journey_id: UUID) -> Any:
    app = careplan()
    journey, view = app.view(journey_id)
    if request.method == "GET":
        details = Patients(app).details(journey_id)
        return _page(journey, view, _raw(details), {})
    if not may_edit_patient():
        return _page(journey, view, _raw(Patients(app).details(journey_id)), {}, 403)
    raw = {name: request.form.get(name, "").strip() for name in FIELDS}
    data: dict[str, Any] = {name: (value or None) for name, value in raw.items() if name != "allergies"}
    data["allergies"] = [line.strip() for line in raw["allergies"].splitlines() if line.strip()]
    try:
        Patients(app).record(journey_id, data, actor=current_actor())  # type: ignore[arg-type]
    except InvalidEvent as error:
        return _page(journey, view, raw, error.errors, 422)
    flash("The patient's details were recorded.", "success")
    return redirect(url_for("journeys.timeline", journey_id=journey_id))


def _raw(details: PatientDetails) -> dict[str, str]:
    return {
        "name": details.name or "",
        "birth_date": details.birth_date.isoformat() if details.birth_date else "",
        "allergies": "\n".join(details.allergies),
        "phone": details.phone or "",
        "email": details.email or "",
    }


def _page(
    journey: PatientJourney, view: JourneyView, raw: dict[str, str], errors: dict[str, list[str]], status: int = 200
) -> tuple[str, int]:
    page = render_template(
        "journeys/patient.html", journey=journey, view=view, raw=raw, errors=errors, editable=may_edit_patient()
    )
    return page, status


@bp.route("/<uuid:journey_id>/administrations/<int:version>")
@requires(*roles_with(READ))
def administration(journey_id: UUID, version: int) -> Any:
    """The printable session record of one administration (DESIGN 7.3), for the chart or a handover."""
    app = careplan()
    journey, view = app.view(journey_id)
    record = session_record(app.reading(journey_id), version)
    if record is None:
        abort(404, "That version is not a recorded infusion of this journey.")
    return render_template("journeys/administration.html", journey=journey, view=view, record=record)
