"""Every refusal of one submit, at once: the chair should not meet them one per submit.

The rules stop at their first problem, which is right for recording (nothing is written) but makes a
form a game of whack-a-mole: "vitals missing", fixed, submitted, then "escort not confirmed", then
"dose out of range". So after a refusal the submit is judged again, on the journey as it stands
(nothing is saved): the infusion's own values (escort, dose, rate) by the same rule functions on their
own, and the chart with those set aside, a timing rule waived as a deviation would waive it, until the
rules accept or a refusal no reason lifts is met (listed, then it stops).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from careplan.domain.errors import RuleViolation
from careplan.domain.families.chair import require_dose
from careplan.domain.families.infusion import InfusionCompleted, require_escort
from careplan.domain.journey import as_payload
from careplan.domain.protocol import Protocol
from careplan.domain.record import ClinicalRecord
from careplan.domain.values import Actor

if TYPE_CHECKING:
    from careplan.application import CarePlan

FIELD_OF: dict[str, str] = {
    "escort_not_confirmed": "escort_confirmed",
    "dose_out_of_range": "dose_mg_per_kg",
    "infusion_too_fast": "duration_min",
}
"""The form field each of these refusals is about: shown beside it."""
SET_ASIDE: dict[str, Callable[[Protocol], Any]] = {
    "escort_confirmed": lambda p: True,
    "dose_mg_per_kg": lambda p: p.dose.mg_per_kg_min,
    "duration_min": lambda p: p.dose.duration_min_at_least,
}
"""A value the protocol accepts for each of the infusion's own fields, to judge the chart alone."""
MAX_ROUNDS = 6


def every_refusal(
    app: CarePlan,
    journey_id: UUID,
    event_type: str,
    data: dict[str, Any],
    *,
    actor: Actor,
    occurred_at: datetime | None,
    reason: str | None,
    deviation: str | None,
) -> list[RuleViolation]:
    """The refusals this submit meets: the chart's first, then the infusion's own values'; empty when
    the rules accept it now."""
    journey = app.get(journey_id)
    protocol = app.protocol(journey.protocol_id, journey.protocol_version)
    payload = as_payload(event_type, data)
    own = own_refusals(journey.clinical_record(app.protocol), payload)
    probe = dict(data)
    if isinstance(payload, InfusionCompleted):
        probe.update({name: value(protocol) for name, value in SET_ASIDE.items()})
    found: list[RuleViolation] = []
    waive = deviation
    for _ in range(MAX_ROUNDS):
        try:
            app.get(journey_id).record(
                event_type, dict(probe), actor=actor, occurred_at=occurred_at or app.clock(), reason=reason,
                now=app.clock(), resolve=app.protocol, history=lambda: app.history(journey_id), deviation=waive,
                clinic=app.chairs.clinic if app.chairs else None,
            )
        except RuleViolation as refused:
            if any(r.code == refused.code for r in found) or not refused.deviable:
                found += [] if any(r.code == refused.code for r in found) else [refused]
                break
            found.append(refused)
            waive = waive or "set aside to find what else refuses"
        else:
            break
    return found + [r for r in own if all(r.code != f.code for f in found)]


def own_refusals(record: ClinicalRecord, payload: Any) -> list[RuleViolation]:
    """The infusion's own values that the protocol refuses, each by its rule function alone."""
    if not isinstance(payload, InfusionCompleted):
        return []
    found = []
    for check in (
        lambda: require_escort(payload),
        lambda: require_dose(record, payload.dose_mg_per_kg, record.protocol.dose.duration_min_at_least),
        lambda: require_dose(record, record.protocol.dose.mg_per_kg_min, payload.duration_min),
    ):
        try:
            check()
        except RuleViolation as refused:
            found.append(refused)
    return found
