"""Every event type, and every table about them, derived from the event classes themselves.

Importing this module imports every family (``careplan.domain.families``), so every event type is
registered. What the rules, the pages, the API, FHIR and the booking ledger ask of a type (who records
it, whether it needs a reason, its step, its plain name, where the picker offers it, whether it may be
marked entered in error, what a pause or close does to it, whether it ends a booking) is read off its
class's ``About`` (``careplan.domain.about``): these tables are views of those, never a second copy.
"""

from __future__ import annotations

from collections.abc import Callable

import careplan.domain.families  # noqa: F401  (registers every event family)
from careplan.domain.about import CLINICIAN, COORDINATOR, GROUPS, SYSTEM, About
from careplan.domain.payload import Payload, payload_type, registered
from careplan.domain.roles import ROLES

EVENT_TYPES: dict[str, type[Payload]] = registered()
"""Every event type by name, in the order the families declare them."""


def about(event_type: str) -> About:
    """What the clinic says of an event type (raises ``UnknownEventType`` for a name that is none)."""
    return payload_type(event_type).about


def _where(test: Callable[[About], bool]) -> tuple[str, ...]:
    return tuple(name for name, cls in EVENT_TYPES.items() if test(cls.about))


def _picker_order(names: tuple[str, ...]) -> tuple[str, ...]:
    """Names in the picker's order: by group (in ``GROUPS`` order), then as the families declare them."""
    rank = {group: n for n, group in enumerate(GROUPS)}
    return tuple(sorted(names, key=lambda name: rank.get(about(name).group, len(GROUPS))))


CLINICIAN_EVENTS: tuple[str, ...] = _picker_order(_where(lambda a: CLINICIAN in a.by))
"""What people record on a journey (clinicians record every one of them)."""
SYSTEM_EVENTS: tuple[str, ...] = _where(lambda a: a.by == frozenset({SYSTEM}))
"""What the scheduler records, through its own command."""
LIFECYCLE_EVENTS: tuple[str, ...] = _where(lambda a: not a.by)
"""What a command of its own records: the opening, a migration."""
ALL_EVENTS: tuple[str, ...] = LIFECYCLE_EVENTS + CLINICIAN_EVENTS + SYSTEM_EVENTS

REASON_REQUIRED: frozenset[str] = frozenset(_where(lambda a: a.reason))
"""Events whose ``reason`` is required (R in docs/contract.md section 3)."""
NOT_CORRECTABLE: frozenset[str] = frozenset(_where(lambda a: not a.correctable))
"""Events that cannot be marked entered in error (openings, migrations, corrections, the scheduler's)."""
COORDINATOR_EVENTS: frozenset[str] = frozenset(_where(lambda a: COORDINATOR in a.by and a.correctable))
"""The coordinator's kinds of event: scheduling and the journey's lifecycle, never clinical findings
(a correction is recorded by coordinators too, but is no kind of theirs: it cannot be marked)."""
SETTLING: frozenset[str] = frozenset(_where(lambda a: a.settles_booking))
"""The events that can end, move or give back a chair booking."""
ADMINISTRATIONS: tuple[str, ...] = _where(lambda a: a.administration)
"""The events that record ketamine given (completed or stopped early)."""
PICKER: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (group, tuple(name for name in CLINICIAN_EVENTS if about(name).group == group)) for group in GROUPS
)
"""The event form's picker: each heading with the event types it offers, in order."""


def label(event_type: str) -> str:
    """An event type's plain name (its class's label), or its name when it has none."""
    cls = EVENT_TYPES.get(event_type)
    return cls.about.label if cls is not None and cls.about.label else event_type


def recorded_by(role: str | None) -> frozenset[str]:
    """The event types a role may record on a journey (none for a role that records none)."""
    return frozenset(_where(lambda a: role in a.by)) if role else frozenset()


RECORDS: dict[str, frozenset[str]] = {role: recorded_by(role) for role in ROLES}
"""The event types each role of people may record on a journey; a role not listed records none."""
