"""The journey's timeline: what is due next, each step's status, the induction series with its
vitals, the PHQ-9 trend, and every event grouped by step, corrections struck through."""

from __future__ import annotations

from uuid import UUID

from flask import render_template

from careplan.domain import roles
from events.schemas.event_data import RISK_LEVELS
from web.auth import current_actor, requires
from web.auth.permissions import READ, can, may_record, recordable_types, roles_with
from web.journeys import submissions
from web.journeys.actions import work_now
from web.journeys.blueprint import bp
from web.journeys.chart import phq9_chart
from web.journeys.timeline import grouped, phq9_points, series
from web.services import careplan

QUICK_ACTIONS: tuple[tuple[str, str], ...] = (
    ("InfusionScheduled", "Schedule an infusion"),
    ("AssessmentRecorded", "Record an assessment"),
    ("NoteAdded", "Add a note"),
    ("JourneyPaused", "Pause"),
    ("JourneyResumed", "Resume"),
)


@bp.route("/<uuid:journey_id>")
@requires(*roles_with(READ))
def timeline(journey_id: UUID) -> str:
    app = careplan()
    journey, view = app.view(journey_id)
    history = careplan().history(journey.id, upto=journey.version)
    points = phq9_points(history)
    actor = current_actor()
    allowed = set(recordable_types(actor))
    paused = view.status == "paused"
    quick = [
        (event_type, label)
        for event_type, label in QUICK_ACTIONS
        if event_type in allowed and (event_type != "JourneyPaused" or view.status == "active")
        and (event_type != "JourneyResumed" or paused)
    ]
    protocol = app.protocol(journey.protocol_id, journey.protocol_version)
    safety, monitoring = protocol.safety, protocol.monitoring
    work = [a for a in work_now(view, history) if a.event_type in allowed]
    return render_template(
        "journeys/timeline.html",
        bp_limit=(safety.bp_hold_systolic, safety.bp_hold_diastolic),
        alert_limit=(
            monitoring.alert_systolic_at_least,
            monitoring.alert_diastolic_at_least,
            monitoring.alert_heart_rate_above,
            monitoring.alert_spo2_below,
        ),
        journey=journey,
        view=view,
        courses=app.courses(journey),
        now=app.clock(),
        groups=grouped(history),
        series=series(history),
        points=points,
        chart=phq9_chart(points, view.outcome.phq9_baseline),
        quick=quick if view.status != "closed" else [a for a in quick if a[0] == "NoteAdded"],
        may_record=bool(allowed),
        may_book_series="InfusionScheduled" in allowed and view.status == "active"
        and any(view.steps[s].status in ("requested", "ready", "in-progress") for s in ("induction", "maintenance")),
        work=work,
        may_acknowledge="SafetyAlertAcknowledged" in allowed and view.status != "closed",
        risk_levels=RISK_LEVELS,
        nonce=submissions.new_nonce(),
        may_audit=actor is not None and actor.role in ("auditor", "admin"),
        may_migrate=actor is not None and roles.may_migrate(actor.role) and view.status != "closed"
        and len(app.protocols.versions(journey.protocol_id)) > 1,
        may_correct=can(actor, READ) and "EventEnteredInError" in allowed,
        may_mark=lambda fact: may_record(actor, "EventEnteredInError", fact),
    )
