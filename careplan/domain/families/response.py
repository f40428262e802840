"""The response check after the induction series, and the maintenance interval it may lead to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from careplan.domain.about import CLINICIANS, RESPONSE, About
from careplan.domain.codes import Decision
from careplan.domain.errors import RuleViolation
from careplan.domain.families.consultation import entry
from careplan.domain.family import Attempt, event, folds, rule
from careplan.domain.graph import unmet
from careplan.domain.payload import Payload, between
from careplan.domain.record import ClinicalRecord
from careplan.domain.values import Fact

MAINTENANCE_WEEKS = (1, 12)
"""What any protocol may allow; the journey's protocol's ``maintenance`` bounds judge each interval
(version 1: 2 to 12 weeks, version 2: 1 to 12, DESIGN 7.6)."""


@event
@dataclass(frozen=True)
class ResponseReviewed(Payload):
    about = About(label="Response decision", group=RESPONSE, by=CLINICIANS, step="response_check")
    decision: Decision


@event
@dataclass(frozen=True)
class MaintenanceIntervalSet(Payload):
    about = About(label="Maintenance interval", group=RESPONSE, by=CLINICIANS, step="maintenance")
    weeks: int = field(metadata=between(*MAINTENANCE_WEEKS))


@rule(ResponseReviewed)
def _may_review(r: ClinicalRecord, p: ResponseReviewed, a: Attempt) -> None:
    at = a.occurred_at
    series = r.current_series()
    for code, sentence in unmet(r, "response_check", at):  # the protocol's requires (default: induction)
        raise RuleViolation(code, sentence)
    last = series[-1].occurred_at if series else None
    earliest = r.protocol.response_check.earliest_days
    if last is not None and at < last + timedelta(days=earliest):
        a.deviable(
            "response_check_too_early",
            f"The response check is at least {earliest} day(s) after the last induction infusion.",
        )
    if last is None or not [x for x in r.phq9() if x.occurred_at > last]:
        raise RuleViolation("response_phq9_missing", "Record a PHQ-9 after the last induction infusion first.")
    most = r.protocol.induction.max_extensions
    if p.decision == Decision.EXTEND_INDUCTION and r.extensions >= most:
        raise RuleViolation(
            "extensions_exhausted",
            f"The induction was extended {r.extensions} time(s), the protocol's most ({most}): decide on "
            "maintenance or discontinue.",
        )


@folds(ResponseReviewed)
def _reviewed(r: ClinicalRecord, p: ResponseReviewed, f: Fact) -> None:
    r.decision = entry(f, p)
    if p.decision == Decision.EXTEND_INDUCTION:
        r.series_start = len(r.induction_infusions())
        r.extensions += 1


@rule(MaintenanceIntervalSet)
def _interval_in_bounds(r: ClinicalRecord, p: MaintenanceIntervalSet, a: Attempt) -> None:
    m = r.protocol.maintenance
    if not m.min_interval_weeks <= p.weeks <= m.max_interval_weeks:
        a.deviable(
            "interval_out_of_range",
            f"The maintenance interval is {m.min_interval_weeks} to {m.max_interval_weeks} weeks.",
        )


@folds(MaintenanceIntervalSet)
def _interval(r: ClinicalRecord, p: MaintenanceIntervalSet, f: Fact) -> None:
    r.maintenance_weeks = p.weeks
