"""Safety alerts: raised by the engine (self-harm answers, relapse, vitals), worked by a clinician.

An alert must be worked before the next infusion (DESIGN 6.2): an unacknowledged one refuses
``InfusionCompleted`` (``open_safety_alert``), and an acknowledgement assessing the risk ``high``
keeps refusing it (``high_risk_pending``) until a later acknowledgement of the same alert says
``low`` or ``moderate``. So a high-risk alert may be acknowledged again; any other only once.

No alert closes silently (DESIGN 7.1): when the event that raised it is entered in error, the alert
stays, marked ``withdrawn``, until a clinician acknowledges it. A ``retrospective`` alert names an
infusion already given that a late entry or a correction shows a safety rule would now refuse
(``careplan.domain.retrospective``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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
    rule: str | None = field(default=None, metadata=text(64))
    """A retrospective alert's rule code: what would now refuse the infusion at ``source_version``."""
    cause_version: int | None = field(default=None, metadata=at_least(1))
    """A retrospective alert's cause: the late entry or the correction that changed the infusion's basis."""


@event
@dataclass(frozen=True)
class SafetyAlertAcknowledged(Payload):
    """``risk_assessment`` and ``plan`` are required of new acknowledgements; ones stored before they
    existed are read back without them (trusted), as a low-risk acknowledgement."""

    alert_version: int = field(metadata=at_least(1))
    risk_assessment: RiskLevel
    plan: str = field(metadata=text(2000))


@folds(SafetyAlertRaised)
def _raised(r: ClinicalRecord, p: SafetyAlertRaised, f: Fact) -> None:
    r.system_keys.add(p.key)
    withdrawn = p.source_version is not None and p.source_version in r.errored
    r.alerts.append(
        Alert(
            version=f.version, kind=p.kind, reason=p.reason, raised_at=f.occurred_at,
            source_version=p.source_version, withdrawn=withdrawn,
        )
    )


@rule(SafetyAlertAcknowledged)
def _alert_open(r: ClinicalRecord, p: SafetyAlertAcknowledged, a: Attempt) -> None:
    if p.alert_version not in {x.version for x in r.open_alerts() + high_risk_alerts(r)}:
        raise RuleViolation("no_such_alert", "There is no open safety alert at that version.")


@folds(SafetyAlertAcknowledged)
def _acknowledged(r: ClinicalRecord, p: SafetyAlertAcknowledged, f: Fact) -> None:
    for alert in r.alerts:
        if alert.version == p.alert_version:
            alert.acknowledged_version = f.version
            alert.risk = str(p.risk_assessment) if p.risk_assessment is not None else None


def high_risk_alerts(r: ClinicalRecord) -> list[Alert]:
    """Acknowledged alerts whose latest risk assessment is ``high``: still to be worked."""
    return [a for a in r.alerts if a.acknowledged_version is not None and a.risk == RiskLevel.HIGH]


def require_alerts_worked(r: ClinicalRecord, raised_before: datetime | None = None) -> None:
    """Refuses an infusion while a safety alert is open or assessed high risk (never deviable).

    ``raised_before`` leaves out the alerts raised from that moment on: an infusion stopped early is
    judged on the alerts open when it started, not on the one (raised during it) it was stopped for.
    """

    def counted(alert: Alert) -> bool:
        return raised_before is None or alert.raised_at < raised_before

    unworked = [x for x in r.open_alerts() if counted(x)]
    if unworked:
        raise RuleViolation(
            "open_safety_alert",
            f"The {unworked[0].kind.replace('_', '-')} safety alert of version {unworked[0].version} is not "
            "acknowledged: assess the risk and record a plan before the infusion.",
        )
    high = [x for x in high_risk_alerts(r) if counted(x)]
    if high:
        raise RuleViolation(
            "high_risk_pending",
            f"The safety alert of version {high[0].version} was assessed high risk: a later acknowledgement "
            "must assess it low or moderate before the infusion.",
        )
