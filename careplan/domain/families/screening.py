"""Contraindication screening, its overrides, and the lab panels (abnormal results flag, never block)."""

from __future__ import annotations

from dataclasses import dataclass, field

from careplan.domain.codes import Finding, Panel
from careplan.domain.errors import RuleViolation
from careplan.domain.families.consultation import entry
from careplan.domain.family import Attempt, event, folds, rule
from careplan.domain.payload import Payload, items
from careplan.domain.record import ClinicalRecord
from careplan.domain.values import Fact


@event
@dataclass(frozen=True)
class ContraindicationScreened(Payload):
    findings: tuple[Finding, ...] = field(metadata=items(20, unique=True))


@event
@dataclass(frozen=True)
class ContraindicationOverridden(Payload):
    finding: Finding


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


@folds(ContraindicationScreened)
def _screened(r: ClinicalRecord, p: ContraindicationScreened, f: Fact) -> None:
    r.screening = entry(f, p)
    found = {str(code) for code in p.findings}
    r.overrides = {k: v for k, v in r.overrides.items() if k in found}


@rule(ContraindicationOverridden)
def _may_override(r: ClinicalRecord, p: ContraindicationOverridden, a: Attempt) -> None:
    if str(p.finding) not in r.open_findings():
        raise RuleViolation("no_such_finding", "That finding is not an open contraindication of the latest screening.")


@folds(ContraindicationOverridden)
def _overridden(r: ClinicalRecord, p: ContraindicationOverridden, f: Fact) -> None:
    r.overrides[str(p.finding)] = f.reason or ""


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
