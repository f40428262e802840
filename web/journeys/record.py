"""The event form: pick a type, fill in the fields its schema declares, record it on the journey.

Refusals keep the input: a field error is shown beside its field, a protocol rule's refusal above the
form with the rule's sentence, and someone else's change (a version conflict) as a list of what they
recorded meanwhile, with the form ready to send again on top of it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from flask import abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from careplan.booking import ChairTaken
from careplan.domain.catalogue import PICKER, about
from careplan.domain.errors import CorrectionNotAllowed, RuleViolation, VersionConflict
from careplan.domain.journey import PatientJourney
from careplan.domain.values import Actor
from careplan.domain.vocabulary import CLINICIAN_EVENTS
from careplan.refusals import FIELD_OF, every_refusal
from events.schemas import EventSubmission, validate_submission
from web.auth import current_actor, requires
from web.auth.permissions import RECORDS, ROLES, may_record, recordable_types
from web.clinic import LocalTimeError, local_words, the_clinic
from web.journeys import submissions
from web.journeys.actions import PLAIN, fitting, title_of
from web.journeys.blueprint import bp
from web.journeys.fields import Choice, Findings, FormField, booking_choices, form_fields
from web.journeys.formdata import Errors, Raw, errors_under, local_to_iso, read_form, submission_errors, to_payload
from web.journeys.instruments import questionnaires
from web.journeys.slots import proposals
from web.journeys.timeline import entries
from web.layout import words
from web.services import careplan

RECORDING_ROLES = tuple(role for role, types in RECORDS.items() if types and role in ROLES)
"""The signed-in roles that record (the patient records by link only, never through these pages)."""

REFUSED_FIELD = {"unknown_finding": "findings", "no_such_finding": "finding", "unknown_panel": "panel"}
"""Refusals that say one field's value is not the protocol's (or the journey's): shown beside it."""

FINDING_FORMS = ("ContraindicationScreened", "ContraindicationOverridden")
PANEL_FORMS = ("ScreeningOrdered", "ScreeningResulted")


def _fields(journey: PatientJourney, event_type: str) -> list[FormField]:
    """The form's widgets; the contraindication forms offer the journey's protocol's findings, and a
    cancellation the journey's open bookings by their time and chair (never a bare version number)."""
    if event_type == "InfusionCompleted":
        # The protocol's limits, not the schema's outer bounds (0.05 to 2 mg/kg), are what the chair needs.
        dose = careplan().protocol(journey.protocol_id, journey.protocol_version).dose
        bounds = {"dose_mg_per_kg": (dose.mg_per_kg_min, dose.mg_per_kg_max), "duration_min": (dose.duration_min_at_least, None)}
        return [
            replace(f, minimum=bounds[f.name][0], maximum=bounds[f.name][1] if bounds[f.name][1] is not None else f.maximum)
            if f.name in bounds else f
            for f in form_fields(event_type)
        ]
    if event_type == "InfusionCancelled":
        offered = booking_choices(journey.clinical_record(careplan().protocol))
        return [
            replace(f, kind="choice", choices=offered, label="Booking to cancel") if f.name == "scheduled_version" else f
            for f in form_fields(event_type)
        ]
    if event_type in PANEL_FORMS:  # the protocol's panels (DESIGN 7.6), by their titles
        protocol = careplan().protocol(journey.protocol_id, journey.protocol_version)
        panels = tuple(Choice(p.code, p.title) for p in protocol.panels)
        return [replace(f, kind="choice", choices=panels, max_length=None) if f.name == "panel" else f for f in form_fields(event_type)]
    if event_type not in FINDING_FORMS:
        return form_fields(event_type)
    app = careplan()
    protocol = app.protocol(journey.protocol_id, journey.protocol_version)
    return form_fields(event_type, Findings.of(protocol, journey.clinical_record(app.protocol)))


@bp.route("/<uuid:journey_id>/events/new", methods=["GET", "POST"])
@requires(*RECORDING_ROLES)
def new_event(journey_id: UUID) -> Any:
    actor = _actor()
    journey = careplan().get(journey_id)
    event_type = request.values.get("type", "")
    if not event_type:
        return _picker(journey, actor)
    if event_type not in CLINICIAN_EVENTS:
        abort(404, description="There is no such kind of event. Choose one from the list.")
    if not may_record(actor, event_type):
        abort(403, description=f"Your role ({actor.role}) may not record {words(event_type).lower()} events.")
    if request.method != "POST":  # HEAD too: only a POST records
        raw = read_form(_fields(journey, event_type), request.args)
        if event_type == "InfusionCompleted":
            raw = _as_last_time(journey, raw)
        return _form(journey, event_type, raw, {}, journey.version, submissions.new_nonce())
    return _submit(journey, event_type, actor)


def _as_last_time(journey: PatientJourney, raw: Raw) -> Raw:
    """An infusion's form starts from the last one's weight and dose (to be checked, not retyped);
    the first infusion's starts empty, with the protocol's range beside the dose."""
    last = journey.chart.last_infusion()
    if last is None:
        return raw
    given = next((f for f in careplan().reading(journey.id).of_type("InfusionCompleted") if f.version == last.version), None)
    filled = dict(raw)
    if given is not None:
        for name in ("weight_kg", "dose_mg_per_kg"):
            if not str(filled.get(name) or "").strip():
                filled[name] = f"{given.data[name]:g}"
    return filled


def _actor() -> Actor:
    actor = current_actor()
    if actor is None:  # requires() lets no anonymous request through; this keeps the type honest
        abort(401)
    return actor


def _picker(journey: PatientJourney, actor: Actor) -> str:
    """What fits where the patient is first, then every type the role may record, by plain name."""
    allowed = set(recordable_types(actor))
    app = careplan()
    view = journey.view(app.protocol, app.clock())
    fits = [a for a in fitting(view, careplan().history(journey.id, upto=journey.version)) if a.event_type in allowed]
    groups = [(title, [(t, PLAIN[t]) for t in types if t in allowed]) for title, types in PICKER]
    return render_template(
        "journeys/pick_type.html", journey=journey, fits=fits, groups=[g for g in groups if g[1]]
    )


def _submit(journey: PatientJourney, event_type: str, actor: Actor) -> Any:
    form = request.form
    fields = _fields(journey, event_type)
    raw = read_form(fields, form)
    nonce = form.get("nonce", "")
    done = submissions.already_recorded(nonce) if nonce else None
    if done is not None:
        flash(f"This form was already sent: it was recorded once, as version {done}.", "info")
        return _to_timeline(journey.id, done)
    expected = _expected_version(form.get("expected_version", ""))
    submission, errors = _validate(event_type, fields, raw, expected)
    if submission is None or errors:
        return _form(journey, event_type, raw, errors, expected, nonce, status=422)
    try:
        changed = careplan().submit(  # on the journey loaded for this request: one load per submit
            journey,
            event_type,
            submission.data,
            actor=actor,
            occurred_at=submission.occurred_at,
            reason=submission.reason,
            expected_version=expected,
            deviation=submission.deviation,
        )
    except RuleViolation as refusal:
        if refusal.code in REFUSED_FIELD:  # a code the protocol does not know: the field is wrong
            errors = {REFUSED_FIELD[refusal.code]: [refusal.message]}
            return _form(journey, event_type, raw, errors, expected, nonce, status=422)
        return _every_refusal(journey, event_type, raw, expected, nonce, submission, actor, refusal)
    except ChairTaken as taken:
        # Someone booked the chair first: the form comes back with fresh proposals.
        clinic = the_clinic()
        taken_refusal = RuleViolation(
            taken.code,
            f"Chair {taken.chair} is not free from {clinic.local(taken.start):%H:%M} to "
            f"{clinic.local(taken.end):%H:%M %Z} on {clinic.local(taken.start):%a %Y-%m-%d}: another booking "
            "holds it for part of that time. Choose another chair or time (the free ones are proposed below).",
        )
        fresh = careplan().get(journey.id)
        return _form(fresh, event_type, raw, {}, fresh.version, nonce, refusal=taken_refusal, status=409)
    except CorrectionNotAllowed as refusal:
        # The domain judged the role against the journey's real history, in the same save.
        message = f"Your role may not mark a {words(refusal.target_type).lower()} event as entered in error."
        return _form(journey, event_type, raw, {"target_version": [message]}, expected, nonce, status=422)
    except VersionConflict as conflict:
        return _conflict(journey.id, event_type, raw, expected, nonce, submission, actor, conflict)
    version = changed.journey.version
    submissions.remember(nonce, version)
    flash(f"Recorded: {words(event_type).lower()}.", "success")
    _flash_holds(changed.journey)
    return _to_timeline(journey.id, version)


def _every_refusal(
    journey: PatientJourney, event_type: str, raw: Raw, expected: int, nonce: str,
    submission: EventSubmission, actor: Actor, first: RuleViolation,
) -> tuple[str, int]:
    """Every refusal of this submit at once (``careplan.refusals``): those about a field beside it, the
    rest in the alert, the first rule's first."""
    found = every_refusal(
        careplan(), journey.id, event_type, submission.data, actor=actor, occurred_at=submission.occurred_at,
        reason=submission.reason, deviation=submission.deviation,
    ) or [first]
    errors: Errors = {FIELD_OF[r.code]: [r.message] for r in found if r.code in FIELD_OF}
    rest = [r for r in found if r.code not in FIELD_OF]
    return _form(journey, event_type, raw, errors, expected, nonce, refusal=rest[0] if rest else None,
                 more=rest[1:], status=422)


def _expected_version(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        abort(400, description="The form lacks the journey version it was drawn at. Reload it and try again.")


def _validate(
    event_type: str, fields: list[Any], raw: Raw, expected: int
) -> tuple[EventSubmission | None, Errors]:
    data, errors = to_payload(fields, raw)
    occurred_at = None
    if raw["occurred_at"].strip():
        try:
            occurred_at = local_to_iso(raw["occurred_at"])
        except LocalTimeError as error:
            errors["occurred_at"] = [str(error)]
    payload = {
        "type": event_type,
        "data": data,
        "occurred_at": occurred_at,
        "reason": raw["reason"].strip() or _acknowledgement_reason(event_type, data),
        "expected_version": expected,
        "deviation": raw.get("deviation", "").strip() or None,
    }
    try:
        submission = validate_submission(payload)
    except ValidationError as error:
        return None, {**submission_errors(error.messages), **errors}  # type: ignore[arg-type]
    return submission, errors


def _acknowledgement_reason(event_type: str, data: dict[str, Any]) -> str | None:
    """An acknowledgement's reason is its judgement: the Acknowledge form asks for the risk and the
    plan, not a third box saying the same again."""
    if event_type != "SafetyAlertAcknowledged" or not data.get("risk_assessment") or not data.get("plan"):
        return None
    return f"Risk assessed {data['risk_assessment']}. Plan: {data['plan']}"[:2000]


def _conflict(
    journey_id: UUID,
    event_type: str,
    raw: Raw,
    expected: int,
    nonce: str,
    submission: EventSubmission,
    actor: Actor,
    conflict: VersionConflict,
) -> Any:
    journey = careplan().get(journey_id)
    later = submissions.meanwhile(careplan().history(journey.id, upto=journey.version), expected)
    own = next((f for f in later if submissions.same_event(f, submission, actor)), None)
    if own is not None:
        submissions.remember(nonce, own.version)
        flash(f"This form was sent twice: it was recorded once, as version {own.version}.", "info")
        return _to_timeline(journey_id, own.version)
    return _form(journey, event_type, raw, {}, journey.version, nonce, conflict=later, status=409)


def _flash_holds(journey: PatientJourney) -> None:
    """After recording, say at once what the event changed for safety: a hold or a new alert (read off
    the journey just saved, not loaded again)."""
    app = careplan()
    view = journey.view(app.protocol, app.clock())
    for step in view.steps.values():
        for flag in step.flags:
            if flag.kind == "hold":
                flash(f"On hold – {step.title.lower()}: {local_words(flag.reason)}", "warning")
    for alert in view.open_alerts:
        flash(f"Open safety alert: {local_words(alert.reason)}", "danger")


def _to_timeline(journey_id: UUID, version: int) -> Response:
    return redirect(url_for("journeys.timeline", journey_id=journey_id, _anchor=f"v{version}"))


def _form(
    journey: PatientJourney,
    event_type: str,
    raw: Raw,
    errors: Errors,
    version: int,
    nonce: str,
    *,
    refusal: RuleViolation | None = None,
    conflict: list[Any] | None = None,
    status: int = 200,
    more: list[RuleViolation] | None = None,
) -> tuple[str, int]:
    page = render_template(
        "journeys/event_form.html",
        journey=journey,
        event_type=event_type,
        title=title_of(event_type, raw),
        fields=_fields(journey, event_type),
        raw=raw,
        errors=errors,
        version=version,
        nonce=nonce,
        refusal=refusal,
        more_refusals=more or [],
        conflict=conflict,
        reason_required=about(event_type).reason,
        questionnaires=questionnaires(),
        errors_under=errors_under,
        recent=list(reversed(entries(careplan().history(journey.id, upto=journey.version))[-5:])),
        slots=proposals(journey, str(raw.get("phase") or "induction")) if event_type == "InfusionScheduled" else [],
    )
    return page, status
