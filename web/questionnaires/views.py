"""The views of ``/q/{token}``: show the questionnaire, take the answers once, say what happened."""

from __future__ import annotations

from uuid import UUID

from flask import Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from careplan.adapters.sign_ins import failures_for
from careplan.domain.errors import InvalidEvent, RuleViolation
from careplan.domain.roles import SENDS_QUESTIONNAIRES
from careplan.messaging import questionnaires
from careplan.messaging.instruments import BY_CODE, Instrument
from careplan.messaging.settings import messaging_for
from web.auth import current_actor, requires
from web.query import is_whole_number
from web.questionnaires.blueprint import bp
from web.services import careplan

REQUESTS_PER_ADDRESS = 30
WINDOW_SECONDS = 15 * 60
"""A patient opens a link a few times at most; a guesser trying tokens is held to 30 tries per 15 minutes."""
GONE = {
    "used": ("Already answered", "This questionnaire has already been answered. Thank you: there is nothing more to do."),
    "expired": ("This link has expired", "This link has expired. If you would still like to answer, please ask the clinic for a new one."),
    None: ("This link does not work", "This link does not open a questionnaire. Please check that it was copied whole, or ask the clinic for a new one."),
}


def _limited() -> Response | None:
    app = careplan()
    address = request.remote_addr or "unknown"
    wait = failures_for(app).reserve(((f"questionnaire\n{address}", REQUESTS_PER_ADDRESS),), app.clock().timestamp(), WINDOW_SECONDS)
    if wait <= 0:
        return None
    body = _page("Please wait", "Too many tries from this connection. Please wait a few minutes and try again.")
    return Response(body, status=429, headers={"Retry-After": str(int(wait) + 1)}, mimetype="text/html")


def _page(title: str, message: str, status_class: str = "", crisis: str | None = None) -> str:
    return render_template("questionnaires/message.html", title=title, message=message, status_class=status_class, crisis=crisis)


@bp.route("/q/<token>", methods=["GET", "POST"])
def answer(token: str) -> Response | tuple[str, int] | str:
    refused = _limited()
    if refused is not None:
        return refused
    app = careplan()
    link = questionnaires.open_link(app, token, app.clock())
    if link is None or link.state != "open":
        state = None if link is None else link.state
        title, message = GONE[state]
        return _page(title, message), 404 if link is None else 410
    instrument = BY_CODE[link.instrument]
    if request.method == "GET":
        return _form(instrument, {}, [])
    chosen, missing = _read(instrument)
    if missing:
        return _form(instrument, chosen, missing), 422
    try:
        result = questionnaires.answer(app, link, [chosen[i] for i in range(len(instrument.items))])
    except RuleViolation as refused_:
        title, message = GONE.get(refused_.code.removeprefix("link_"), GONE[None])
        return _page(title, message), 410
    except InvalidEvent:
        return _form(instrument, chosen, []), 422
    crisis = messaging_for(app).clinic.crisis_line if result.alert else None
    message = "Your answers have been sent to the clinic. Thank you."
    return _page("Thank you", message, "done", crisis)


def _form(instrument: Instrument, chosen: dict[int, int], missing: list[int]) -> str:
    crisis = messaging_for(careplan()).clinic.crisis_line
    return render_template("questionnaires/form.html", instrument=instrument, chosen=chosen, missing=missing, crisis=crisis)


def _read(instrument: Instrument) -> tuple[dict[int, int], list[int]]:
    """The answers given, by item index, and the items left unanswered (or answered out of range)."""
    chosen: dict[int, int] = {}
    missing: list[int] = []
    top = len(instrument.answers) - 1
    for index in range(len(instrument.items)):
        raw = request.form.get(f"item{index + 1}", "")
        if is_whole_number(raw) and 0 <= int(raw) <= top:
            chosen[index] = int(raw)
        else:
            missing.append(index)
    return chosen, missing


@bp.route("/journeys/<uuid:journey_id>/questionnaires", methods=["POST"])
@requires(*SENDS_QUESTIONNAIRES)
def send_now(journey_id: UUID) -> WerkzeugResponse:
    """The journey page's "Send PHQ-9 / GAD-7 now": records the link; the scheduler sends it."""
    instrument = request.form.get("instrument", "")
    if instrument not in questionnaires.INSTRUMENTS:
        abort(400, description="instrument: must be PHQ9 or GAD7.")
    try:
        questionnaires.send_now(careplan(), journey_id, instrument, actor=current_actor())  # type: ignore[arg-type]
    except RuleViolation as refused:
        flash(refused.message, "error")
    else:
        flash(f"A {BY_CODE[instrument].title} link will go to the patient with the next scheduler run.", "success")
    return redirect(url_for("journeys.timeline", journey_id=journey_id))
