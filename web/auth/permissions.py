"""Who may do what: the one table of the role rules, read by the pages and the JSON API alike.

Clinicians record every clinical event; coordinators keep plans moving (open journeys, schedule and
cancel infusions, pause, resume and close journeys, add notes) and may mark their own kinds of event
as entered in error; auditors read everything and write nothing; admins manage people (and read).
Acknowledging a safety alert and correcting a clinical event are clinical judgements: clinicians only.
"""

from __future__ import annotations

from careplan.domain.values import Actor
from careplan.domain.vocabulary import CLINICIAN_EVENTS

READ = "read"
OPEN_JOURNEY = "open_journey"
MANAGE_USERS = "manage_users"
CORRECTION = "EventEnteredInError"

COORDINATOR_EVENTS: frozenset[str] = frozenset(
    {"InfusionScheduled", "InfusionCancelled", "JourneyPaused", "JourneyResumed", "JourneyClosed", "NoteAdded"}
)
"""The coordinator's kinds of event: scheduling and the journey's lifecycle, never clinical findings."""

PERMISSIONS: dict[str, frozenset[str]] = {
    "coordinator": frozenset({READ, OPEN_JOURNEY}),
    "clinician": frozenset({READ}),
    "auditor": frozenset({READ}),
    "admin": frozenset({READ, MANAGE_USERS}),
}

RECORDS: dict[str, frozenset[str]] = {
    "coordinator": COORDINATOR_EVENTS | {CORRECTION},
    "clinician": frozenset(CLINICIAN_EVENTS),
    "auditor": frozenset(),
    "admin": frozenset(),
}
"""The event types each role may record (a coordinator's correction is limited further, see below)."""

ROLES: tuple[str, ...] = tuple(PERMISSIONS)


def _role(who: Actor | str | None) -> str | None:
    return who.role if isinstance(who, Actor) else who


def can(who: Actor | str | None, permission: str) -> bool:
    """Whether a role (or an actor's role) holds a permission: READ, OPEN_JOURNEY or MANAGE_USERS."""
    return permission in PERMISSIONS.get(_role(who) or "", frozenset())


def may_record(who: Actor | str | None, event_type: str, corrected_type: str | None = None) -> bool:
    """Whether a role may record ``event_type``.

    For ``EventEnteredInError``, ``corrected_type`` is the type of the event being marked: a
    coordinator may mark only the coordinator's kinds; without it the answer is about the type alone.
    """
    role = _role(who) or ""
    if event_type not in RECORDS.get(role, frozenset()):
        return False
    if event_type == CORRECTION and role != "clinician" and corrected_type is not None:
        return corrected_type in COORDINATOR_EVENTS
    return True


def recordable_types(who: Actor | str | None) -> tuple[str, ...]:
    """The event types a role may record, in the vocabulary's order (for the event form's choices)."""
    allowed = RECORDS.get(_role(who) or "", frozenset())
    return tuple(t for t in CLINICIAN_EVENTS if t in allowed)


def roles_with(permission: str) -> tuple[str, ...]:
    """The roles holding a permission, e.g. ``requires(*roles_with(OPEN_JOURNEY))`` on a page."""
    return tuple(role for role in ROLES if permission in PERMISSIONS[role])


def roles_recording(event_type: str) -> tuple[str, ...]:
    return tuple(role for role in ROLES if event_type in RECORDS[role])
