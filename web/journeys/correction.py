""""Entered in error", confirmed before it is recorded: the page names the event and shows what the
journey's state becomes without it.

The state without the event is computed by running the correction on a journey loaded from the
store and never saved: the engine's own rules judge it (a correction it would refuse is shown as
refused), and nothing is written until the person confirms with a reason.
"""

from __future__ import annotations

from uuid import UUID

from flask import abort, render_template

from careplan.domain.catalogue import label
from careplan.domain.errors import CorrectionNotAllowed, RuleViolation
from careplan.domain.history import History
from careplan.domain.values import Actor, Fact
from careplan.domain.view import JourneyView
from web.audit.diff import compare_journey, compare_steps
from web.auth import current_actor, requires
from web.auth.permissions import CORRECTION, may_record
from web.journeys import submissions
from web.journeys.blueprint import bp
from web.journeys.summaries import describe
from web.services import careplan


def state_without(journey_id: UUID, version: int, actor: Actor) -> tuple[JourneyView, JourneyView | RuleViolation]:
    """The state now, and the state once ``version`` is marked entered in error (or the refusal)."""
    app = careplan()
    journey = app.get(journey_id)
    now = app.clock()
    before = journey.view(app.protocol, now)
    try:
        journey.record(
            CORRECTION, {"target_version": version}, actor=actor, occurred_at=now,
            reason="preview (not recorded)", now=now, resolve=app.protocol,
            history=app.history(journey_id, upto=journey.version),
        )
    except (RuleViolation, CorrectionNotAllowed) as refusal:
        if isinstance(refusal, CorrectionNotAllowed):
            abort(403, description="Your role may not mark this event as entered in error.")
        return before, refusal
    return before, journey.view(app.protocol, now)  # the journey is dropped here, never saved


@bp.route("/<uuid:journey_id>/events/<int:version>/entered-in-error")
@requires("clinician", "coordinator")
def entered_in_error(journey_id: UUID, version: int) -> tuple[str, int] | str:
    actor = current_actor()
    journey = careplan().get(journey_id)
    target = _target(careplan().history(journey_id, upto=journey.version), version)
    if actor is None or not may_record(actor, CORRECTION, target):
        abort(403, description="Your role may not mark this event as entered in error.")
    before, after = state_without(journey_id, version, actor)
    refused = after if isinstance(after, RuleViolation) else None
    view = None if isinstance(after, RuleViolation) else after
    return render_template(
        "journeys/entered_in_error.html",
        journey=journey,
        target=target,
        name=label(target.type),
        summary=describe(target),
        refusal=refused,
        journey_changes=compare_journey(before, view) if view else [],
        step_changes=compare_steps(before, view) if view else [],
        nonce=submissions.new_nonce(),
    )


def _target(history: list[Fact], version: int) -> Fact:
    target = next((f for f in history if f.version == version), None)
    if target is None or not target.payload.about.correctable:  # the domain's answer, from the event's class
        abort(404, description="There is no event of that version that can be marked as entered in error.")
    if History(history).in_error(version):
        abort(409, description="That event is already marked as entered in error.")
    return target
