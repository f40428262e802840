"""Contraindication screening, its overrides, and the lab panels (abnormal results flag, never block).

A finding is any code of the journey's protocol (``contraindications.absolute`` or ``relative``), so
a clinic names its own findings in its protocol file without a code change: the payload keeps the
code as a validated string and the rule checks it against the protocol in force (``unknown_finding``).
A relative finding is cleared by one clinician's override; an absolute one only once a second,
different clinician has recorded the same override (``second_clinician_required``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from careplan.domain.codes import Panel
from careplan.domain.errors import RuleViolation
from careplan.domain.families.consultation import entry
from careplan.domain.family import Attempt, event, folds, rule
from careplan.domain.payload import Payload, items
from careplan.domain.record import ClinicalRecord
from careplan.domain.values import Fact

FINDING = {"pattern": r"[a-z][a-z0-9_]{0,63}", "pattern_message": "Must be a lower-case finding code such as 'liver_failure'."}


@event
@dataclass(frozen=True)
class ContraindicationScreened(Payload):
    findings: tuple[str, ...] = field(metadata=items(20, unique=True, **FINDING))


@event
@dataclass(frozen=True)
class ContraindicationOverridden(Payload):
    finding: str = field(metadata=FINDING)


@event
@dataclass(frozen=True)
class ScreeningOrdered(Payload):
    panel: Panel


@event
@dataclass(frozen=True)
class ScreeningResulted(Payload):
    panel: Panel
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
    r.screening = entry(f, p)
    found = {str(code) for code in p.findings}
    r.overrides = {k: v for k, v in r.overrides.items() if k in found}
    r.overridden_by = {k: v for k, v in r.overridden_by.items() if k in found}


@rule(ContraindicationOverridden)
def _may_override(r: ClinicalRecord, p: ContraindicationOverridden, a: Attempt) -> None:
    if p.finding not in r.open_findings():
        raise RuleViolation("no_such_finding", "That finding is not an open contraindication of the latest screening.")
    if a.actor.id in r.overridden_by.get(p.finding, []):
        raise RuleViolation(
            "second_clinician_required",
            f"{p.finding.replace('_', ' ').capitalize()} is an absolute contraindication: a second, different "
            "clinician must record the same override.",
        )


@folds(ContraindicationOverridden)
def _overridden(r: ClinicalRecord, p: ContraindicationOverridden, f: Fact) -> None:
    r.overrides[p.finding] = f.reason or ""
    who = r.overridden_by.setdefault(p.finding, [])
    if f.actor.id not in who:
        who.append(f.actor.id)


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
