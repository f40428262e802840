"""Questionnaires (PHQ-9, MADRS, GAD-7), each checked against its own scale.

A PHQ-9 whose item 9 (thoughts of self-harm) is above the protocol's threshold raises a safety alert
in the same save as the assessment, whatever the total.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from careplan.domain.codes import AssessmentContext, Instrument
from careplan.domain.family import event, folds, raises
from careplan.domain.payload import Payload, at_least, items
from careplan.domain.record import Assessment, ClinicalRecord
from careplan.domain.scales import SCALES
from careplan.domain.values import Fact


@event
@dataclass(frozen=True)
class AssessmentRecorded(Payload):
    instrument: Instrument
    total: int = field(metadata=at_least(0))
    items: tuple[int, ...] | None = field(default=None, metadata=items(10))
    context: AssessmentContext = AssessmentContext.OTHER

    def check(self) -> None:
        scale = SCALES[str(self.instrument)]
        if self.total > scale.total_max:
            self.refuse("total", f"Must be less than or equal to {scale.total_max} for {scale.name}.")
        if self.items is not None:
            problem = scale.items_problem(self.items, self.total)
            if problem:
                self.refuse("items", problem)


@folds(AssessmentRecorded)
def _assessed(r: ClinicalRecord, p: AssessmentRecorded, f: Fact) -> None:
    r.assessments.append(
        Assessment(
            version=f.version,
            instrument=str(p.instrument),
            total=p.total,
            items=p.items or (),
            context=str(p.context),
            occurred_at=f.occurred_at,
        )
    )


@raises(AssessmentRecorded)
def _self_harm(r: ClinicalRecord, p: AssessmentRecorded, f: Fact) -> list[Payload]:
    from careplan.domain.families.alerts import SafetyAlertRaised

    limit = r.protocol.safety.phq9_item9_alert_above
    answers = p.items or ()
    if p.instrument == Instrument.PHQ9 and len(answers) >= 9 and answers[8] > limit:
        return [
            SafetyAlertRaised(
                kind="self_harm",
                reason=f"PHQ-9 item 9 (thoughts of self-harm) scored {answers[8]}.",
                source_version=f.version,
                key=f"alert:self_harm:{f.version}",
            )
        ]
    return []
