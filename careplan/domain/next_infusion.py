"""Would the engine accept the next infusion now? The rules' own answer, for the views (DESIGN 7.2).

The next actions and the chair's buttons must not decide on their own what the rules allow: they would
drift apart ("Give induction infusion 3 of 6" for a patient whose mid-series screening found a
contraindication). So the view asks the rules themselves: an ``InfusionCompleted`` of the protocol's
least dose over its least minutes, starting ``now``, recorded by a clinician at its end, is judged
exactly as a real one would be (``rules.check``). Its refusal, with its code and sentence, is what
blocks the next infusion; none means the engine would accept it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta

from careplan.domain import rules
from careplan.domain.errors import CarePlanError
from careplan.domain.families.infusion import InfusionCompleted
from careplan.domain.family import Attempt
from careplan.domain.record import ClinicalRecord, Vitals
from careplan.domain.values import Actor

JUDGE = Actor(id="next-actions", role="clinician")
"""Who the trial infusion is recorded by: a clinician, who may record infusions."""
DEFAULT_WEIGHT_KG = 70.0
"""The trial's weight before any infusion recorded one (the dose is judged per kg: any weight does)."""
TIMING = ("spacing_too_short", "administration_too_soon")
"""The codes that lift by themselves as time passes: the next infusion is due when they do."""


@dataclass(frozen=True)
class Verdict:
    """The rules' answer on an infusion of ``phase`` starting at ``start``: ``code`` and ``sentence``
    of the refusal (None: accepted), and for a timing refusal the earliest start it allows."""

    phase: str
    start: datetime
    code: str | None = None
    sentence: str | None = None
    deviable: bool = False
    allowed_from: datetime | None = None

    @property
    def accepted(self) -> bool:
        return self.code is None


def trial(record: ClinicalRecord, phase: str) -> InfusionCompleted:
    """The infusion the judgement tries: the protocol's least dose and minutes, the last weight."""
    dose = record.protocol.dose
    given = [i.weight_kg for i in record.administrations() if i.weight_kg]
    data = {
        "phase": phase,
        "dose_mg_per_kg": dose.mg_per_kg_min,
        "weight_kg": given[-1] if given else DEFAULT_WEIGHT_KG,
        "duration_min": dose.duration_min_at_least,
        "escort_confirmed": True,
        "side_effects": [],
    }
    # The values are the protocol's own and a weight already recorded: read as a stored event's data
    # (the view asks on every read; checking them again each time cost more than the rules).
    return InfusionCompleted.parse(data, trusted=True)


def judge(record: ClinicalRecord, phase: str, start: datetime) -> Verdict:
    """The rules' verdict on the next infusion of ``phase`` starting at ``start``.

    The rules stop at their first problem, and the first is often only that the pre-infusion vitals
    are not taken yet (or are too old): the chair's next step, which says nothing of a contraindication
    or an alert that would refuse the infusion after them. So that refusal is judged once more as if
    in-range vitals had just been taken, and a refusal then found is what blocks the infusion."""
    payload = trial(record, phase)
    verdict = _judge(record, payload, start)
    if verdict.code in VITALS_FIRST:
        beyond = _judge(with_fresh_vitals(record, start), payload, start)
        if beyond.code is not None:
            verdict = beyond
    if verdict.deviable:
        # A timing rule comes first in the rules' order, yet a reason lifts it: a refusal that no
        # reason lifts (an alert to work, a contraindication) is what truly blocks the infusion.
        hard = _judge(with_fresh_vitals(record, start), payload, start, deviation="any reason")
        if hard.code is not None and hard.code not in VITALS_FIRST:
            return hard
    return verdict


VITALS_FIRST = ("vitals_missing", "vitals_stale")
"""Refusals that the next pre-infusion reading settles."""


def with_fresh_vitals(record: ClinicalRecord, start: datetime) -> ClinicalRecord:
    """A read-only view of ``record`` with an in-range pre-infusion reading a minute before ``start``."""
    reading = Vitals(0, start - timedelta(minutes=1), 120, 80, record.protocol_version, 70, 98)
    seen = copy.copy(record)  # shares the memo of derived lists: they depend on the infusions alone
    seen.pre_readings = [*record.pre_readings, reading]
    return seen


def _judge(record: ClinicalRecord, payload: InfusionCompleted, start: datetime, deviation: str | None = None) -> Verdict:
    phase = str(payload.phase)
    end = start + timedelta(minutes=payload.duration_min)
    attempt = Attempt(payload, end, None, JUDGE, end, deviation=deviation, current=record)
    try:
        rules.check(record, attempt)
    except CarePlanError as refused:
        code = str(getattr(refused, "code", "refused"))
        allowed = earliest_start(record) if code in TIMING else None
        sentence = str(getattr(refused, "message", refused))
        return Verdict(phase, start, code, sentence, bool(getattr(refused, "deviable", False)), allowed)
    return Verdict(phase, start)


def earliest_start(record: ClinicalRecord) -> datetime | None:
    """The first start the spacing (start to start) and the 24 h floor (from the end) both allow."""
    spacing = timedelta(hours=record.protocol.induction.min_spacing_hours)
    floor = timedelta(hours=record.protocol.dose.min_hours_between_administrations)
    bounds = [max(g.start + spacing, g.occurred_at + floor) for g in record.administrations()]
    return max(bounds) if bounds else None
