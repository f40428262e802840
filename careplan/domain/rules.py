"""The protocol's rules: whether an event may be recorded on a journey now.

The rules every event meets (recorded by a role that may record it, not in the future, not before the opening, a reason where one is
required, nothing but notes and corrections on a closed journey) are here; each event type's own rule
lives with its family (``careplan.domain.families``). Each rule raises :class:`RuleViolation` with a
stable code and a sentence a clinician can act on, before anything is recorded, so a refused event
leaves no trace in the history.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from careplan.domain import roles
from careplan.domain.errors import RuleViolation
from careplan.domain.families.infusion import induction_blockers
from careplan.domain.family import Attempt, rule_of
from careplan.domain.graph import unmet
from careplan.domain.record import ClinicalRecord

__all__ = ["CLOCK_SKEW", "check", "induction_blockers", "not_in_future"]

CLOCK_SKEW = timedelta(minutes=2)
"""How far ahead of the server's clock a device's clock may run before its time counts as future."""


def not_in_future(occurred_at: datetime, now: datetime) -> None:
    if occurred_at > now + CLOCK_SKEW:
        raise RuleViolation("occurred_in_future", "An event cannot have happened in the future.")


def check(record: ClinicalRecord, attempt: Attempt) -> frozenset[str]:
    """Raises RuleViolation when the protocol refuses this event on this record at ``attempt.now``.

    Returns the deviable (timing) codes a ``deviation`` reason waived, empty when none was needed. A
    rule stops at its first problem, so a waived code is judged again without it: a safety rule after a
    timing rule still refuses, deviation or not.
    """
    _check_common(record, attempt)
    specific = rule_of(attempt.payload)
    if specific is None:
        return frozenset()
    deviating = bool(attempt.deviation and attempt.deviation.strip())
    while True:
        try:
            specific(record, attempt.payload, attempt)
            return attempt.waived
        except RuleViolation as refused:
            if not (refused.deviable and deviating) or refused.code in attempt.waived:
                raise
            attempt = replace(attempt, waived=attempt.waived | {refused.code})


def _check_prerequisites(record: ClinicalRecord, attempt: Attempt) -> None:
    step = attempt.payload.waits_on()  # the step this event does waits for what that step requires
    if step is not None and not record.protocol.has_step(step):
        # A protocol chooses its steps (DESIGN 7.6): one it leaves out has nothing to record.
        raise RuleViolation(
            "step_not_in_protocol",
            f"The journey's protocol (version {record.protocol_version}) has no {step.replace('_', ' ')} step.",
        )
    if step is not None:
        for _code, sentence in unmet(record, step, attempt.occurred_at):
            raise RuleViolation("prerequisite_missing", f"This step waits for another: {sentence}")


def _check_common(record: ClinicalRecord, attempt: Attempt) -> None:
    """The rules every event meets, read off its class's ``About``."""
    event_type, reason, about = attempt.payload.event_type, attempt.reason, attempt.payload.about
    roles.require_may_record(attempt.actor, event_type)  # first: a role's refusal says nothing of the chart
    not_in_future(attempt.occurred_at, attempt.now)
    if record.opened_at is not None and attempt.occurred_at < record.opened_at:
        raise RuleViolation("before_opened", "An event cannot have happened before the journey was opened.")
    if about.reason and not (reason and reason.strip()):
        raise RuleViolation("reason_required", f"{event_type} needs a reason.")
    if record.closed is not None and not about.once_closed:
        raise RuleViolation("journey_closed", "The journey is closed: only notes and corrections can be added.")
    if record.paused is not None and not about.while_paused:  # a paused course gives no infusion
        raise RuleViolation("journey_paused", "The journey is paused: resume it before infusions.")
    _check_prerequisites(record, attempt)
