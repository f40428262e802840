"""The retrospective review: infusions already given, judged again on the chart as it now reads.

A late entry (a reading charted at 14:30 for 13:00) or a correction (a discharge entered in error)
can change what an infusion given earlier stood on. The event is a fact and is recorded; what it
shows is that a safety rule would now refuse that infusion, and a clinician must hear of it. So each
infusion after the change is judged again, with its own rule (the same functions that judged it
when it was recorded, so every rule added later is reviewed too), against the record as of its
time. A refusal the infusion did not meet before the change raises a ``retrospective`` safety alert
(DESIGN 7.1). Timing rules (the deviable ones) are not safety rules and are waived; the 24 h floor
between administrations is not deviable, so it counts as safety.

Only the infusion's own rule is asked, not the rules every event meets (a closed or paused journey,
a reason given): those say whether an entry may be typed, not whether the patient was safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from careplan.domain.catalogue import ADMINISTRATIONS
from careplan.domain.errors import RuleViolation
from careplan.domain.family import Attempt, rule_of
from careplan.domain.record import ClinicalRecord, Resolve, apply, clinical_order, errored_versions, withdraw
from careplan.domain.values import Fact, moment

REVIEWED: frozenset[str] = frozenset(ADMINISTRATIONS)
"""What the review judges again: every administration, completed or stopped early."""


@dataclass(frozen=True)
class Finding:
    """An infusion that a safety rule would now refuse, with the rule's code and sentence."""

    infusion: Fact
    code: str
    message: str


def verdict(record: ClinicalRecord, fact: Fact) -> RuleViolation | None:
    """What the infusion's own rule says of it on ``record`` (its basis): the first safety refusal,
    timing refusals waived, or None when it would be accepted."""
    check = rule_of(fact.payload)
    if check is None:
        return None
    attempt = Attempt(fact.payload, fact.occurred_at, fact.reason, fact.actor, fact.recorded_at)
    while True:
        try:
            check(record, fact.payload, attempt)
            return None
        except RuleViolation as refused:
            if not refused.deviable or refused.code in attempt.waived:
                return refused
            attempt = replace(attempt, waived=attempt.waived | {refused.code})


def judged(
    record: ClinicalRecord,
    facts: Iterable[Fact],
    resolve: Resolve,
    after: tuple[datetime, int] | None,
    corrections: dict[int, Fact] | None = None,
) -> dict[int, RuleViolation]:
    """Folds ``facts`` (in clinical order) onto ``record``, judging each infusion that comes after
    ``after`` (a clinical key; None: every one) on the record just before it. Returns the refusals
    by infusion version; ``record`` ends as the fold of everything."""
    refused: dict[int, RuleViolation] = {}
    for fact in facts:
        if fact.version in record.errored:  # entered in error: only what its family says it leaves
            if corrections and fact.version in corrections:
                withdraw(record, fact, corrections[fact.version])
            continue
        if fact.type in REVIEWED and (after is None or (fact.occurred_at, fact.version) > after):
            problem = verdict(record.bind(resolve), fact)
            if problem is not None:
                refused[fact.version] = problem
        apply(record, fact)
    return refused


def before_change(
    history: Sequence[Fact], versions: set[int], resolve: Resolve
) -> dict[int, RuleViolation]:
    """The refusals those infusions met on the history as it was before the change (so that a chart
    already read this way, or an infusion already alerted on, raises nothing twice)."""
    record = ClinicalRecord()
    record.errored = errored_versions(history)
    live = [f for f in clinical_order(history) if f.version not in record.errored]
    last = max((f for f in live if f.version in versions), key=lambda f: (f.occurred_at, f.version), default=None)
    if last is None:
        return {}
    upto = (last.occurred_at, last.version)
    upto_facts = [f for f in live if (f.occurred_at, f.version) <= upto]
    found = judged(record, upto_facts, resolve, None)
    return {v: found[v] for v in versions if v in found}


def findings(
    now_refused: dict[int, RuleViolation],
    was_refused: Callable[[set[int]], dict[int, RuleViolation]],
    infusions: dict[int, Fact],
) -> list[Finding]:
    """The infusions a safety rule refuses now but did not refuse (with that code) before."""
    if not now_refused:
        return []
    before = was_refused(set(now_refused))
    return [
        Finding(infusions[v], problem.code, problem.message)
        for v, problem in sorted(now_refused.items())
        if v not in before or before[v].code != problem.code
    ]


def alert_data(finding: Finding, cause: Fact) -> dict[str, object]:
    """The ``SafetyAlertRaised`` of a finding: kind ``retrospective``, naming the infusion and the rule."""
    infusion = finding.infusion
    what = "correction" if cause.type == "EventEnteredInError" else "late entry"
    reason = (
        f"The infusion of {moment(infusion.occurred_at)} (version {infusion.version}) would now be "
        f"refused ({finding.code}) after the {what} at version {cause.version}: {finding.message}"
    )
    return {
        "kind": "retrospective",
        "reason": reason[:4000],
        "key": f"alert:retrospective:{infusion.version}:{finding.code}:{cause.version}",
        "source_version": infusion.version,
        "step": str(infusion.data.get("phase") or "") or None,
        "rule": finding.code,
        "cause_version": cause.version,
    }
