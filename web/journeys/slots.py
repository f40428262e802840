"""The proposed slots on the booking form: the first free times the journey may take, each a link that
fills the form in (time on the clinic's clock, the chair), so a coordinator books with one click."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from careplan.domain.booking import SEARCH_DAYS
from careplan.domain.journey import PatientJourney
from careplan.domain.slots import free_slots
from web.clinic import the_clinic
from web.services import careplan

PROPOSED = 6


@dataclass(frozen=True)
class Proposal:
    start: datetime
    end: datetime
    chair: int
    local_input: str
    """The start as the form's time field takes it (``2026-03-09 10:00``)."""


def proposals(journey: PatientJourney, phase: str) -> list[Proposal]:
    app = careplan()
    if app.chairs is None:
        return []
    clinic = the_clinic()
    now = app.clock()
    taken = [b for b, _, _ in app.chairs.between(now, now + timedelta(days=SEARCH_DAYS + 1))]
    chosen = phase if phase in ("induction", "maintenance") else None
    found = free_slots(clinic, journey.clinical_record(app.protocol), taken, now, PROPOSED, phase=chosen, now=now)
    return [Proposal(s.start, s.end, s.chair, clinic.local(s.start).strftime("%Y-%m-%d %H:%M")) for s in found]
