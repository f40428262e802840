"""Questionnaires (PHQ-9, MADRS, GAD-7), each checked against its own scale.

Every instrument is recorded item by item (DESIGN 6.2): a total alone hides the self-harm answer. A
PHQ-9 whose item 9 is above ``assessments.phq9_item9_alert_above``, or a MADRS whose item 10 (suicidal
thoughts) is at or above ``assessments.madrs_item10_alert_at_least``, raises a safety alert in the same
save as the assessment, whatever the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from careplan.domain.about import ASSESSMENT, CLINICIANS, PATIENT, About
from careplan.domain.codes import AssessmentContext, Instrument
from careplan.domain.errors import RuleViolation
from careplan.domain.families.alerts import SafetyAlertRaised
from careplan.domain.family import Attempt, event, folds, raises, rule
from careplan.domain.payload import Payload, at_least, items, text
from careplan.domain.protocol import AssessmentSettings
from careplan.domain.record import Assessment, ClinicalRecord
from careplan.domain.scales import SCALES
from careplan.domain.values import Fact

BY_CONTEXT = {
    "baseline": "baseline_assessment",
    "infusion": "induction",
    "response_check": "response_check",
    "maintenance": "maintenance",
}
"""The step an assessment belongs to, by its context."""


@event
@dataclass(frozen=True)
class AssessmentRecorded(Payload):
    about = About(label="Assessment (PHQ-9, GAD-7, MADRS)", group=ASSESSMENT, by=CLINICIANS | {PATIENT})
    instrument: Instrument
    total: int = field(metadata=at_least(0))
    items: tuple[int, ...] = field(metadata=items(10))
    context: AssessmentContext = AssessmentContext.OTHER
    questionnaire: str | None = field(default=None, metadata=text(400))
    """The key of the ``QuestionnaireSent`` link these answers came by (``context`` ``remote``)."""

    def belongs_to(self) -> str | None:
        """Its context's step: a baseline PHQ-9 is the baseline step, one at an infusion the induction's."""
        return BY_CONTEXT.get(str(self.context), "baseline_assessment")

    def does(self) -> str | None:
        """Only a baseline or a response-check assessment does its step's work."""
        step = BY_CONTEXT.get(str(self.context))
        return step if step in ("baseline_assessment", "response_check") else None

    def waits_on(self) -> str | None:
        """A baseline PHQ-9 waits for what the baseline step requires; one for another purpose may come
        any time."""
        return "baseline_assessment" if self.context == AssessmentContext.BASELINE else None

    def check(self) -> None:
        scale = SCALES[str(self.instrument)]
        if self.total > scale.total_max:
            self.refuse("total", f"Must be less than or equal to {scale.total_max} for {scale.name}.")
        problem = scale.items_problem(self.items, self.total)
        if problem:
            self.refuse("items", problem)


@rule(AssessmentRecorded)
def _by_link(r: ClinicalRecord, p: AssessmentRecorded, a: Attempt) -> None:
    """Answers from home come by their link only: the patient's answers name an open link of this
    instrument, and nobody else records ``remote`` answers or names a link."""
    remote = p.context == AssessmentContext.REMOTE or p.questionnaire is not None
    if a.actor.role != PATIENT:
        if remote:
            raise RuleViolation("remote_is_the_patients", "Remote answers come from the patient's own link.")
        return
    if p.context != AssessmentContext.REMOTE or p.questionnaire is None:
        raise RuleViolation("link_required", "A patient's answers come by a questionnaire link.")
    link = r.questionnaires.get(p.questionnaire)
    if link is None or link["instrument"] != str(p.instrument):
        raise RuleViolation("link_unknown", "This link is not one the clinic sent for this questionnaire.")
    if link.get("answered") is not None:
        raise RuleViolation("link_used", "This questionnaire has already been answered.")
    if a.now >= datetime.fromisoformat(link["expires_at"]):
        raise RuleViolation("link_expired", "This link has expired.")


@folds(AssessmentRecorded)
def _assessed(r: ClinicalRecord, p: AssessmentRecorded, f: Fact) -> None:
    if p.questionnaire is not None and p.questionnaire in r.questionnaires:
        r.questionnaires[p.questionnaire]["answered"] = f.version
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
    answer = self_harm_answer(r.protocol.assessments, str(p.instrument), p.items or ())
    if answer is None:
        return []
    return [
        SafetyAlertRaised(
            kind="self_harm",
            reason=answer,
            source_version=f.version,
            key=f"alert:self_harm:{f.version}",
        )
    ]


def self_harm_answer(limits: AssessmentSettings, instrument: str, answers: Sequence[int]) -> str | None:
    """The sentence for a self-harm answer at the protocol's threshold, or None when there is none.
    Old stored assessments may lack items (they were optional before): those raise nothing."""
    if instrument == "PHQ9" and len(answers) >= 9 and answers[8] > limits.phq9_item9_alert_above:
        return f"PHQ-9 item 9 (thoughts of self-harm) scored {answers[8]}."
    if instrument == "MADRS" and len(answers) >= 10 and answers[9] >= limits.madrs_item10_alert_at_least:
        return f"MADRS item 10 (suicidal thoughts) scored {answers[9]}."
    return None
