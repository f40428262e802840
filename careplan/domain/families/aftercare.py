"""After the infusion: the discharge assessment that must follow every infusion (completed or stopped
early) before the next one, and the side effects the patient reports.

A discharge is judged on the observation measured since the infusion's end and on the latest
post-infusion reading taken before it (DESIGN 7.1); none of it is deviable (DESIGN 6.3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from careplan.domain.about import CLINICIANS, INFUSIONS, About
from careplan.domain.codes import InfusionPhase, SideEffect
from careplan.domain.errors import RuleViolation
from careplan.domain.families.chair import alarming
from careplan.domain.family import Attempt, event, folds, rule
from careplan.domain.payload import Code, Payload, between, text
from careplan.domain.record import ClinicalRecord, Settling
from careplan.domain.values import Fact, moment


@event
@dataclass(frozen=True)
class DischargeAssessed(Payload):
    about = About(label="Discharge assessment", group=INFUSIONS, by=CLINICIANS, chair=True)
    phase: InfusionPhase
    observation_min: int = field(metadata=between(0, 1440))
    alert_and_oriented: bool = field()
    escort_present: bool = field()


class Severity(Code):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


@event
@dataclass(frozen=True)
class SideEffectReported(Payload):
    """A side effect the patient reports, in the chair or after (dissociation, nausea, a headache), with
    how severe it was. The timeline shows it in its infusion's step; it changes no rule (a reading at
    an alert threshold raises its own alert through the vitals), so it folds to nothing."""

    about = About(label="Side effect", group=INFUSIONS, by=CLINICIANS, chair=True, any_order=True)
    effect: SideEffect
    severity: Severity
    note: str | None = field(default=None, metadata=text(2000))


@rule(DischargeAssessed)
def _may_discharge(r: ClinicalRecord, p: DischargeAssessed, a: Attempt) -> None:
    settling = r.awaiting_discharge
    if settling is None:
        later = (a.current or r).awaiting_discharge  # a late discharge: its infusion may end after it
        if later is not None and a.occurred_at < later.ended_at:
            raise RuleViolation(
                "before_subject",
                f"The discharge is dated before the infusion it discharges ended ({moment(later.ended_at)}).",
            )
        raise RuleViolation("nothing_to_discharge", "No infusion is waiting for a discharge assessment.")
    if a.occurred_at < settling.ended_at:
        raise RuleViolation(
            "before_subject",
            f"The discharge is dated before the infusion it discharges ended ({moment(settling.ended_at)}).",
        )
    for problem in discharge_problems(r, settling, p, a.occurred_at):
        raise RuleViolation("discharge_not_safe", problem)


def discharge_problems(
    r: ClinicalRecord, settling: Settling, p: DischargeAssessed, at: datetime | None = None
) -> list[str]:
    """Why the patient may not leave at ``at`` (None: judged on the sent observation alone), as
    sentences; empty when discharge is safe. Observation is measured from the infusion's end, and the
    post-infusion reading relied on is the latest taken between the end and the discharge."""
    m = r.protocol.monitoring
    problems = []
    if p.observation_min < m.observation_min_at_least:
        problems.append(
            f"Observed {p.observation_min} min after the infusion: at least {m.observation_min_at_least} min first."
        )
    post = settling.post_vitals
    if at is not None:
        elapsed = int((at - settling.ended_at).total_seconds() // 60)
        if elapsed < m.observation_min_at_least:
            problems.append(
                f"Only {elapsed} min have passed since the infusion ended: observe at least "
                f"{m.observation_min_at_least} min first."
            )
        elif p.observation_min > elapsed:
            problems.append(f"An observation of {p.observation_min} min is more than the {elapsed} min since the end.")
        taken = [v for v in settling.post_readings or ((post,) if post else ()) if v.occurred_at <= at]
        post = taken[-1] if taken else None
    if post is None:
        problems.append("Record post-infusion vitals, taken after the infusion ended, before discharge.")
    elif alarming(post, r.protocol_at(post.protocol_version).monitoring):
        found = ", ".join(alarming(post, r.protocol_at(post.protocol_version).monitoring))
        problems.append(f"Post-infusion {found} at an alert threshold: not safe to leave.")
    if not p.alert_and_oriented:
        problems.append("The patient is not yet alert and oriented.")
    if not p.escort_present:
        problems.append("No escort is present to take the patient home.")
    return problems


@folds(DischargeAssessed)
def _discharged(r: ClinicalRecord, p: DischargeAssessed, f: Fact) -> None:
    if r.awaiting_discharge is not None:
        r.discharged_at[str(r.awaiting_discharge.version)] = f.occurred_at
    r.awaiting_discharge = None
