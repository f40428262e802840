"""Who may do what: the one table of the role rules, read by the pages and the JSON API alike.

Clinicians record every clinical event; coordinators keep plans moving (open journeys, schedule and
cancel infusions, pause, resume and close journeys, add notes) and may mark as entered in error such
an event that they recorded themselves; auditors read everything and write nothing; admins manage people (and read).
Acknowledging a safety alert and correcting a clinical event are clinical judgements: clinicians only.
Which events each role records is the domain's table (``careplan.domain.roles``), which the journey
enforces whatever the entry point; this module adds what only the web has (reading, opening, people).
"""

from __future__ import annotations

from careplan.domain import catalogue, roles
from careplan.domain.values import Actor, Fact
from careplan.domain.vocabulary import CLINICIAN_EVENTS

READ = "read"
OPEN_JOURNEY = "open_journey"
MANAGE_USERS = "manage_users"
CORRECTION = roles.CORRECTION

PERMISSIONS: dict[str, frozenset[str]] = {
    "coordinator": frozenset({READ, OPEN_JOURNEY}),
    "clinician": frozenset({READ}),
    "auditor": frozenset({READ}),
    "admin": frozenset({READ, MANAGE_USERS}),
}

RECORDS: dict[str, frozenset[str]] = catalogue.RECORDS
"""The event types each role may record: the domain's table (derived from each event class's
``About.by``), read here so the pages offer and check what the journey itself would accept."""

ROLES: tuple[str, ...] = tuple(PERMISSIONS)


def _role(who: Actor | str | None) -> str | None:
    return who.role if isinstance(who, Actor) else who


def can(who: Actor | str | None, permission: str) -> bool:
    """Whether a role (or an actor's role) holds a permission: READ, OPEN_JOURNEY or MANAGE_USERS."""
    return permission in PERMISSIONS.get(_role(who) or "", frozenset())


def may_record(who: Actor | str | None, event_type: str, corrected: Fact | str | None = None) -> bool:
    """Whether a role may record ``event_type`` (the domain's table).

    For ``EventEnteredInError``, ``corrected`` is the event being marked: whether this actor may mark
    it is the domain's rule too (a coordinator: only a coordinator's kind that they recorded). Given
    only its type, the answer is about the kind alone (who recorded it is judged in the save).
    """
    if not roles.may_record(_role(who), event_type):
        return False
    if event_type != CORRECTION or corrected is None:
        return True
    if isinstance(corrected, str):
        return _role(who) == roles.CLINICIAN or roles.coordinators_kind(corrected)
    return isinstance(who, Actor) and roles.may_correct(who, corrected)


def recordable_types(who: Actor | str | None) -> tuple[str, ...]:
    """The event types a role may record, in the vocabulary's order (for the event form's choices)."""
    allowed = RECORDS.get(_role(who) or "", frozenset())
    return tuple(t for t in CLINICIAN_EVENTS if t in allowed)


def roles_with(permission: str) -> tuple[str, ...]:
    """The roles holding a permission, e.g. ``requires(*roles_with(OPEN_JOURNEY))`` on a page."""
    return tuple(role for role in ROLES if permission in PERMISSIONS[role])


def roles_recording(event_type: str) -> tuple[str, ...]:
    return tuple(role for role in ROLES if event_type in RECORDS[role])
