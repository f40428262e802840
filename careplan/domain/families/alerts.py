"""Safety alerts: raised by the engine (self-harm answers, relapse), worked by a clinician."""

from __future__ import annotations

from dataclasses import dataclass, field

from careplan.domain.codes import RiskLevel
from careplan.domain.errors import RuleViolation
from careplan.domain.family import Attempt, event, folds, rule
from careplan.domain.payload import Payload, at_least, text
from careplan.domain.record import Alert, ClinicalRecord
from careplan.domain.values import Fact


@event
@dataclass(frozen=True)
class SafetyAlertRaised(Payload):
    kind: str = field(metadata=text(64))
    reason: str = field(metadata=text(4000))
    key: str = field(metadata=text(400))
    source_version: int | None = field(default=None, metadata=at_least(1))
    step: str | None = field(default=None, metadata=text(64))


@event
@dataclass(frozen=True)
class SafetyAlertAcknowledged(Payload):
    alert_version: int = field(metadata=at_least(1))
    risk_assessment: RiskLevel | None = None
    plan: str | None = field(default=None, metadata=text(2000))


@folds(SafetyAlertRaised)
def _raised(r: ClinicalRecord, p: SafetyAlertRaised, f: Fact) -> None:
    r.system_keys.add(p.key)
    if p.source_version is not None and p.source_version in r.errored:
        return
    r.alerts.append(
        Alert(version=f.version, kind=p.kind, reason=p.reason, raised_at=f.occurred_at, source_version=p.source_version)
    )


@rule(SafetyAlertAcknowledged)
def _alert_open(r: ClinicalRecord, p: SafetyAlertAcknowledged, a: Attempt) -> None:
    if p.alert_version not in {x.version for x in r.open_alerts()}:
        raise RuleViolation("no_such_alert", "There is no open safety alert at that version.")


@folds(SafetyAlertAcknowledged)
def _acknowledged(r: ClinicalRecord, p: SafetyAlertAcknowledged, f: Fact) -> None:
    for alert in r.alerts:
        if alert.version == p.alert_version:
            alert.acknowledged_version = f.version
