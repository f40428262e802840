"""Safety alerts: raised by the engine (self-harm answers, relapse, vitals), worked by a clinician.

An alert must be worked before the next infusion (DESIGN 6.2): an unacknowledged one refuses
``InfusionCompleted`` (``open_safety_alert``), and an acknowledgement assessing the risk ``high``
keeps refusing it (``high_risk_pending``) until a later acknowledgement of the same alert says
``low`` or ``moderate``. So a high-risk alert may be acknowledged again; any other only once.

Alerts follow the patient (DESIGN 7.1): the next course of the same patient opens with the previous
course's unresolved alerts (unacknowledged, or last assessed ``high``) raised again in the same save
as the opening, each naming the course and version it comes from (``course``, ``course_version``).
They are open in the new course, whatever was said of them before: the clinician who gives the next
infusion assesses the risk again.
No alert closes silently (DESIGN 7.1): when the event that raised it is entered in error, the alert
stays, marked ``withdrawn``, until a clinician acknowledges it. A ``retrospective`` alert names an
infusion already given that a late entry or a correction shows a safety rule would now refuse
(``careplan.domain.retrospective``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from careplan.domain.about import CLINICIANS, JOURNEY, SCHEDULER, About
from careplan.domain.codes import RiskLevel
from careplan.domain.errors import RuleViolation
from careplan.domain.family import Attempt, event, folds, rule
from careplan.domain.payload import Payload, at_least, text
from careplan.domain.record import Alert, ClinicalRecord
from careplan.domain.values import Fact, moment


@event
@dataclass(frozen=True)
class SafetyAlertRaised(Payload):
    about = About(by=SCHEDULER, correctable=False)
    kind: str = field(metadata=text(64))
    reason: str = field(metadata=text(4000))
    key: str = field(metadata=text(400))
    source_version: int | None = field(default=None, metadata=at_least(1))
    step: str | None = field(default=None, metadata=text(64))
    course: str | None = field(default=None, metadata=text(64))
    """Set on an alert carried into a new course: the journey id of the course it was open in."""
    course_version: int | None = field(default=None, metadata=at_least(1))
    """The alert's version in that course."""
    rule: str | None = field(default=None, metadata=text(64))
    """A retrospective alert's rule code: what would now refuse the infusion at ``source_version``."""
    cause_version: int | None = field(default=None, metadata=at_least(1))
    """A retrospective alert's cause: the late entry or the correction that changed the infusion's basis."""


@event
@dataclass(frozen=True)
class SafetyAlertAcknowledged(Payload):
    """``risk_assessment`` and ``plan`` are required of new acknowledgements; ones stored before they
    existed are read back without them (trusted), as a low-risk acknowledgement."""
    about = About(label="Acknowledge a safety alert", group=JOURNEY, by=CLINICIANS, reason=True)

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
            source_version=p.source_version, withdrawn=withdrawn, course=p.course, course_version=p.course_version,
        )
    )


@rule(SafetyAlertAcknowledged)
def _alert_open(r: ClinicalRecord, p: SafetyAlertAcknowledged, a: Attempt) -> None:
    alert = next((x for x in r.open_alerts() + high_risk_alerts(r) if x.version == p.alert_version), None)
    if alert is None:
        chart = a.current or r  # a late acknowledgement: the alert may be raised after it
        later = next((x for x in chart.open_alerts() + high_risk_alerts(chart) if x.version == p.alert_version), None)
        if later is not None and a.occurred_at < later.raised_at:
            raise RuleViolation(
                "before_subject",
                f"The acknowledgement is dated before the alert was raised ({moment(later.raised_at)}).",
            )
        raise RuleViolation("no_such_alert", "There is no open safety alert at that version.")
    if a.occurred_at < alert.raised_at:
        raise RuleViolation(
            "before_subject",
            f"The acknowledgement is dated before the alert was raised ({moment(alert.raised_at)}).",
        )


@folds(SafetyAlertAcknowledged)
def _acknowledged(r: ClinicalRecord, p: SafetyAlertAcknowledged, f: Fact) -> None:
    for alert in r.alerts:
        if alert.version == p.alert_version:
            alert.acknowledged_version = f.version
            alert.acknowledged_at = f.occurred_at
            alert.risk = str(p.risk_assessment) if p.risk_assessment is not None else None


def high_risk_alerts(r: ClinicalRecord) -> list[Alert]:
    """Acknowledged alerts whose latest risk assessment is ``high``: still to be worked."""
    return [a for a in r.alerts if a.acknowledged_version is not None and a.risk == RiskLevel.HIGH]


def require_alerts_worked(r: ClinicalRecord, raised_before: datetime | None = None) -> None:
    """Refuses an infusion while a safety alert is open or assessed high risk (never deviable).

    ``raised_before`` is the infusion's start: the alerts raised from that moment on are left out (an
    infusion stopped early is judged on the alerts open when it started, not on the one raised during
    it that it was stopped for), and one acknowledged only after it was still open then.
    """

    def counted(alert: Alert) -> bool:
        return raised_before is None or alert.raised_at < raised_before

    def open_then(alert: Alert) -> bool:
        if alert.acknowledged_version is None:
            return True
        return raised_before is not None and alert.acknowledged_at is not None and alert.acknowledged_at > raised_before

    unworked = [x for x in r.alerts if open_then(x) and counted(x)]
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


def carried_alerts(previous: ClinicalRecord, course: str) -> list[SafetyAlertRaised]:
    """The alerts of ``previous`` (the record of the course ``course``) that a new course of the same
    patient opens with: each unacknowledged alert, and each whose latest acknowledgement said ``high``."""
    unresolved = sorted([*previous.open_alerts(), *high_risk_alerts(previous)], key=lambda x: x.version)
    return [
        SafetyAlertRaised(
            kind=alert.kind,
            reason=_carried_reason(alert, course),
            key=f"carried:{course}:{alert.version}",
            course=course,
            course_version=alert.version,
        )
        for alert in unresolved
    ]


def _carried_reason(alert: Alert, course: str) -> str:
    state = "assessed high risk" if alert.acknowledged_version is not None else "not acknowledged"
    said = f"From the previous course ({course}), alert of version {alert.version}, {state}: {alert.reason}"
    return said if len(said) <= 4000 else said[:3999] + "…"
