"""One row per journey: what the dashboard, the worklists and the due index read.

A summary is computed from a journey and its view at a moment; the read side stores these rows so
that a page over 10,000 journeys never replays 10,000 histories.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from careplan.domain.journey import PatientJourney
from careplan.domain.view import JourneyView
from careplan.domain.vocabulary import IN_PROGRESS, ON_HOLD, READY

WORKLISTS: tuple[str, ...] = ("due_today", "overdue", "blocked", "safety_alerts", "on_hold")


@dataclass(frozen=True)
class StepSummary:
    status: str
    due_at: datetime | None
    flags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class JourneySummary:
    journey_id: UUID
    patient_ref: str
    protocol: str
    protocol_version: int
    version: int
    status: str  # active | paused | closed
    opened_at: datetime
    updated_at: datetime
    steps: dict[str, StepSummary] = field(default_factory=dict)
    induction_done: int = 0
    induction_target: int = 6
    maintenance_done: int = 0
    open_alerts: int = 0
    classification: str | None = None
    next_action: str | None = None
    next_due_at: datetime | None = None

    @property
    def current_step(self) -> str | None:
        """The first step a coordinator would act on, for 'plan progress at a glance'."""
        for name, step in self.steps.items():
            if step.status in (READY, IN_PROGRESS, ON_HOLD):
                return name
        return None


def history_marks(journey: PatientJourney) -> tuple[datetime, datetime]:
    """When the journey was opened (clinical time) and when its last event was recorded.

    Read off the aggregate's own state (its clinical record and the time of its last event), never
    from a copy of its history, which the aggregate does not keep.
    """
    opened = journey.chart.opened_at
    assert opened is not None  # every journey's record starts from its opening
    return opened, journey.modified_on


def summarize(journey: PatientJourney, view: JourneyView) -> JourneySummary:
    steps = {
        name: StepSummary(step.status, step.due_at, tuple((f.kind, f.reason) for f in step.flags))
        for name, step in view.steps.items()
    }
    first = view.next_actions[0] if view.next_actions else None
    opened_at, updated_at = history_marks(journey)
    return JourneySummary(
        journey_id=journey.id,
        patient_ref=journey.patient_ref,
        protocol=journey.protocol_id,
        protocol_version=journey.protocol_version,
        version=journey.version,
        status=view.status,
        opened_at=opened_at,
        updated_at=updated_at,
        steps=steps,
        induction_done=view.induction_done,
        induction_target=view.induction_target,
        maintenance_done=view.maintenance_done,
        open_alerts=len(view.open_alerts),
        classification=view.outcome.classification,
        next_action=first.action if first else None,
        next_due_at=first.due_at if first else None,
    )
