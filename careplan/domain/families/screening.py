"""Contraindication screening, its overrides, and the lab panels (abnormal results flag, never block).

A finding is any code of the journey's protocol (``contraindications.absolute`` or ``relative``), so
a clinic names its own findings in its protocol file without a code change: the payload keeps the
code as a validated string and the rule checks it against the protocol in force (``unknown_finding``).
A relative finding is cleared by one clinician's override; an absolute one only by two different
clinicians, on every path that clears it (DESIGN 7.1): an override, a later screening that no longer
lists it, a correction of the screening that found it. One clinician's clearing leaves it open with
the flag ``second_clinician_required``; a re-screening by one and an override by another are two. An
override judges the screening before it: a later screening that finds the code again starts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from careplan.domain.about import ASSESSMENT, CLINICIANS, About
from careplan.domain.errors import RuleViolation
from careplan.domain.families.consultation import entry
from careplan.domain.family import Attempt, event, folds, rule, withdraws
from careplan.domain.payload import Payload, items
from careplan.domain.record import ClinicalRecord
from careplan.domain.values import Fact, moment

FINDING = {"pattern": r"[a-z][a-z0-9_]{0,63}", "pattern_message": "Must be a lower-case finding code such as 'liver_failure'."}
PANEL = {"pattern": r"[a-z][a-z0-9_]{0,63}", "pattern_message": "Must be a lower-case panel code such as 'thyroid'."}
"""A panel is any code of the journey's protocol (``lab_panels``, DESIGN 7.6): the rule checks it."""


@event
@dataclass(frozen=True)
class ContraindicationScreened(Payload):
    about = About(
        label="Contraindication screening", group=ASSESSMENT, by=CLINICIANS, step="contraindication_screening", gated=True
    )
    findings: tuple[str, ...] = field(metadata=items(20, unique=True, **FINDING))


@event
@dataclass(frozen=True)
class ContraindicationOverridden(Payload):
    about = About(
        label="Override a contraindication", group=ASSESSMENT, by=CLINICIANS, reason=True,
        step="contraindication_screening",
    )
    finding: str = field(metadata=FINDING)


@event
@dataclass(frozen=True)
class ScreeningOrdered(Payload):
    about = About(label="Order lab screening", group=ASSESSMENT, by=CLINICIANS, step="lab_screening", gated=True)
    panel: str = field(metadata=PANEL)


@event
@dataclass(frozen=True)
class ScreeningResulted(Payload):
    about = About(label="Lab results", group=ASSESSMENT, by=CLINICIANS, step="lab_screening", gated=True)
    panel: str = field(metadata=PANEL)
    abnormal: bool
    values: dict[str, float] = field(default_factory=dict, metadata=items(100, key_max_length=64))


@rule(ContraindicationScreened)
def _known_findings(r: ClinicalRecord, p: ContraindicationScreened, a: Attempt) -> None:
    known = r.protocol.contraindications.codes
    unknown = [code for code in p.findings if code not in known]
    if unknown:
        raise RuleViolation(
            "unknown_finding",
            f"Not a contraindication of this protocol: {', '.join(unknown)}. Known: {', '.join(known)}.",
        )


@folds(ContraindicationScreened)
def _screened(r: ClinicalRecord, p: ContraindicationScreened, f: Fact) -> None:
    """The fold needs no protocol: every finding this screening no longer lists is cleared once, by
    its clinician (with whoever overrode it before); whether one clearing is enough (a relative
    finding) or two are needed (an absolute one) is judged when the record is read."""
    found = {str(code) for code in p.findings}
    no_longer = [code for code in not_yet_cleared_twice(r) if code not in found]
    earlier = {code: list(r.clearing.get(code) or r.overridden_by.get(code, [])) for code in no_longer}
    r.screening = entry(f, p)
    r.overrides, r.overridden_by = {}, {}  # an override judged the screening before this one
    r.clearing = {code: who for code, who in r.clearing.items() if code not in found}
    for code in found:
        r.cleared_at.pop(code, None)
    for code in no_longer:
        r.clearing[code] = earlier[code]
        cleared_by(r, code, f.actor.id, f.occurred_at)


@withdraws(ContraindicationScreened)
def _screening_withdrawn(r: ClinicalRecord, p: ContraindicationScreened, f: Fact, correction: Fact) -> None:
    """A screening entered in error no longer counts, but a finding it made is cleared by the
    correcting clinician only: an absolute one stays open until a second, different clinician clears it."""
    listed = {str(code) for code in r.screening.payload.findings} if r.screening else set()
    for code in (str(c) for c in p.findings):
        if code not in listed:
            cleared_by(r, code, correction.actor.id, correction.occurred_at)


def not_yet_cleared_twice(r: ClinicalRecord) -> list[str]:
    listed = [str(code) for code in r.screening.payload.findings] if r.screening else []
    return [code for code in listed if len(set(r.overridden_by.get(code, []))) < 2] + list(r.clearing)


def cleared_by(r: ClinicalRecord, code: str, actor_id: str, at: datetime) -> None:
    """One more clinician clears a finding off its path; the second different one clears it for good."""
    who = r.clearing.setdefault(code, [])
    if actor_id not in who:
        who.append(actor_id)
    r.cleared_at[code] = at
    if len(who) >= 2:
        del r.clearing[code]


@rule(ContraindicationOverridden)
def _may_override(r: ClinicalRecord, p: ContraindicationOverridden, a: Attempt) -> None:
    if p.finding not in r.open_findings():
        later = (a.current or r).screening  # a late override: the screening that found it may come after
        if later is not None and a.occurred_at < later.occurred_at and p.finding in (a.current or r).open_findings():
            raise RuleViolation(
                "before_subject",
                f"The override is dated before the screening of {moment(later.occurred_at)} that found "
                f"{p.finding.replace('_', ' ')}.",
            )
        raise RuleViolation("no_such_finding", "That finding is not an open contraindication of the latest screening.")
    screening = r.screening
    listed = screening is not None and p.finding in {str(code) for code in screening.payload.findings}
    if listed and screening is not None and a.occurred_at < screening.occurred_at:
        raise RuleViolation(
            "before_subject",
            f"The override is dated before the screening of {moment(screening.occurred_at)} that found "
            f"{p.finding.replace('_', ' ')}.",
        )
    if a.actor.id in (r.overridden_by.get(p.finding, []) if listed else r.clearing.get(p.finding, [])):
        raise RuleViolation(
            "second_clinician_required",
            f"{p.finding.replace('_', ' ').capitalize()} is an absolute contraindication: a second, different "
            "clinician must clear it.",
        )


@folds(ContraindicationOverridden)
def _overridden(r: ClinicalRecord, p: ContraindicationOverridden, f: Fact) -> None:
    listed = r.screening is not None and p.finding in {str(code) for code in r.screening.payload.findings}
    if not listed and p.finding in r.clearing:
        cleared_by(r, p.finding, f.actor.id, f.occurred_at)
        return
    r.overrides[p.finding] = f.reason or ""
    who = r.overridden_by.setdefault(p.finding, [])
    if f.actor.id not in who:
        who.append(f.actor.id)
    r.cleared_at[p.finding] = f.occurred_at


@rule(ScreeningOrdered)
def _known_panel(r: ClinicalRecord, p: ScreeningOrdered, a: Attempt) -> None:
    known = r.protocol.lab_panels
    if p.panel not in known:
        raise RuleViolation(
            "unknown_panel", f"Not a lab panel of this protocol: {p.panel}. Known: {', '.join(known) or 'none'}."
        )


@folds(ScreeningOrdered)
def _ordered(r: ClinicalRecord, p: ScreeningOrdered, f: Fact) -> None:
    r.labs_ordered.setdefault(str(p.panel), f.occurred_at)


@rule(ScreeningResulted)
def _was_ordered(r: ClinicalRecord, p: ScreeningResulted, a: Attempt) -> None:
    if str(p.panel) not in r.labs_ordered:
        raise RuleViolation("screening_not_ordered", f"The {p.panel} panel was not ordered.")


@folds(ScreeningResulted)
def _resulted(r: ClinicalRecord, p: ScreeningResulted, f: Fact) -> None:
    r.labs_ordered.setdefault(str(p.panel), f.occurred_at)
    r.labs_resulted[str(p.panel)] = entry(f, p)
