"""The registry of event families: each event type's payload, its rule and its fold, found by type.

A family module (``careplan.domain.families.infusion`` and so on) declares its payload classes and
registers a rule and a fold for each with ``@rule(Type)`` and ``@folds(Type)``, beside each other, so
adding an event type touches one place in the domain. Dispatch is by the payload's class, never by a
table of strings kept somewhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from careplan.domain.clinic import Clinic
from careplan.domain.errors import RuleViolation, UnknownEventType
from careplan.domain.payload import Payload, event, payload_type, registered
from careplan.domain.values import Actor, Fact

if TYPE_CHECKING:
    from careplan.domain.record import ClinicalRecord

P = TypeVar("P", bound=Payload)


@dataclass(frozen=True)
class Attempt:
    """An event a caller wants recorded, as the rules judge it: what, when, by whom and why."""

    payload: Payload
    occurred_at: datetime
    reason: str | None
    actor: Actor
    now: datetime
    history: tuple[Fact, ...] | None = None
    """The journey's stored history, for the rules that must read it (corrections); else None."""
    deviation: str | None = None
    """The clinician's reason for departing from a timing rule (DESIGN 6.3), or None."""
    waived: frozenset[str] = frozenset()
    """The deviable codes this attempt is judged without (set by ``rules.check`` for a deviation)."""
    clinic: Clinic | None = None
    """The clinic's hours and chairs, when the caller knows them: bookings are judged against them."""
    current: ClinicalRecord | None = None
    """The chart as it stands, with everything recorded, beside the record as of the event's own time
    that the rule is handed (DESIGN 7.1; the same record for an entry in order): for a rule that must
    know what exists later in clinical time (spacing measured both ways, ``before_subject``). None
    when an infusion already given is judged again (``careplan.domain.retrospective``)."""

    def deviable(self, code: str, message: str) -> None:
        """Refuses with a deviable (timing) violation unless the deviation waives it."""
        if code not in self.waived:
            raise RuleViolation(code, message, deviable=True)


Check = Callable[["ClinicalRecord", Any, Attempt], None]
Fold = Callable[["ClinicalRecord", Any, Fact], None]
Raise = Callable[["ClinicalRecord", Any, Fact], "list[Payload]"]

__all__ = ["Attempt", "event", "folds", "payload_type", "payload_types", "raises", "rule", "withdraws"]

_RULES: dict[type[Payload], Check] = {}
_FOLDS: dict[type[Payload], Fold] = {}
_RAISES: dict[type[Payload], Raise] = {}
Withdraw = Callable[["ClinicalRecord", Any, Fact, Fact], None]
_WITHDRAWALS: dict[type[Payload], Withdraw] = {}


def rule(cls: type[P]) -> Callable[[Callable[[ClinicalRecord, P, Attempt], None]], Callable[..., None]]:
    def register(check: Callable[[ClinicalRecord, P, Attempt], None]) -> Callable[..., None]:
        _RULES[cls] = check
        return check

    return register


def folds(cls: type[P]) -> Callable[[Callable[[ClinicalRecord, P, Fact], None]], Callable[..., None]]:
    def register(handler: Callable[[ClinicalRecord, P, Fact], None]) -> Callable[..., None]:
        _FOLDS[cls] = handler
        return handler

    return register


def raises(cls: type[P]) -> Callable[[Callable[[ClinicalRecord, P, Fact], list[Payload]]], Callable[..., Any]]:
    """Registers what an accepted event raises in the same save (a safety alert), judged on the
    record after the event was folded in."""

    def register(handler: Callable[[ClinicalRecord, P, Fact], list[Payload]]) -> Callable[..., Any]:
        _RAISES[cls] = handler
        return handler

    return register


def withdraws(cls: type[P]) -> Callable[[Callable[[ClinicalRecord, P, Fact, Fact], None]], Callable[..., None]]:
    """Registers what an event of this type leaves in the record once it is entered in error (the
    fold skips it): called with the withdrawn fact and the correction that withdrew it."""

    def register(handler: Callable[[ClinicalRecord, P, Fact, Fact], None]) -> Callable[..., None]:
        _WITHDRAWALS[cls] = handler
        return handler

    return register


def withdrawal_of(event_type: str) -> Withdraw | None:
    cls = registered_type(event_type)
    return None if cls is None else _WITHDRAWALS.get(cls)


def registered_type(event_type: str) -> type[Payload] | None:
    try:
        return payload_type(event_type)
    except UnknownEventType:
        return None


def raised_by(record: ClinicalRecord, fact: Fact) -> list[Payload]:
    handler = _RAISES.get(type(fact.payload))
    return [] if handler is None else handler(record, fact.payload, fact)


def payload_types() -> dict[str, type[Payload]]:
    return registered()


def rule_of(payload: Payload) -> Check | None:
    return _RULES.get(type(payload))


def fold_of(event_type: str) -> Fold | None:
    """The fold of an event type, found by name once and kept: every replayed event asks."""
    known = _FOLD_BY_NAME.get(event_type, _MISSING)
    if known is _MISSING:
        cls = registered_type(event_type)
        known = _FOLD_BY_NAME[event_type] = None if cls is None else _FOLDS.get(cls)
    return known  # type: ignore[return-value]


_FOLD_BY_NAME: dict[str, Fold | None] = {}
_MISSING = object()
