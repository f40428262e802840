"""Complementary care (exercise, sleep, mindfulness, nutrition) and free-text notes."""

from __future__ import annotations

from dataclasses import dataclass, field

from careplan.domain.about import CARE_TEAM, CLINICIANS, JOURNEY, RESPONSE, About
from careplan.domain.codes import Adherence, CareArea
from careplan.domain.family import event, folds
from careplan.domain.payload import Payload, text
from careplan.domain.record import ClinicalRecord
from careplan.domain.values import Fact


@event
@dataclass(frozen=True)
class ComplementaryCareGuidanceGiven(Payload):
    about = About(
        label="Complementary care guidance", group=RESPONSE, by=CLINICIANS, step="complementary_care", gated=True
    )
    area: CareArea
    guidance: str = field(metadata=text(4000))


@event
@dataclass(frozen=True)
class ComplementaryCareCheckIn(Payload):
    about = About(
        label="Complementary care check-in", group=RESPONSE, by=CLINICIANS, step="complementary_care", gated=True
    )
    area: CareArea
    adherence: Adherence
    notes: str | None = field(default=None, metadata=text(4000))


@event
@dataclass(frozen=True)
class NoteAdded(Payload):
    about = About(label="Note", group=JOURNEY, by=CARE_TEAM, once_closed=True, any_order=True)
    text: str = field(metadata=text(4000))


@folds(ComplementaryCareGuidanceGiven)
def _guided(r: ClinicalRecord, p: ComplementaryCareGuidanceGiven, f: Fact) -> None:
    r.guidance[str(p.area)] = f.occurred_at


@folds(ComplementaryCareCheckIn)
def _checked_in(r: ClinicalRecord, p: ComplementaryCareCheckIn, f: Fact) -> None:
    if r.last_check_in is None or f.occurred_at > r.last_check_in:
        r.last_check_in = f.occurred_at


@folds(NoteAdded)
def _noted(r: ClinicalRecord, p: NoteAdded, f: Fact) -> None:
    r.notes += 1
