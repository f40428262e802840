"""Who may record what: the one table of the role rules, judged by the journey itself.

The rules hold whatever the entry point (the pages, the JSON API, the command line, the demo, the
scheduler, a script): the aggregate refuses an event its actor's role may not record, before anything
is recorded, with :class:`NotAllowed` (the API's 403 ``forbidden``). The web reads this table to show
and check the same thing earlier; it never keeps a copy.

Clinicians record every clinical event. Coordinators keep plans moving: they schedule and cancel
infusions, pause, resume and close journeys, and add notes. Auditors and admins record nothing on a
journey. The scheduler (``system``) records only its own events, through their own command.

Marking an event entered in error is judged against the event marked: a clinician may mark any event
that can be marked; a coordinator only an event of the coordinator's kinds that this same coordinator
recorded, in the coordinator role (never a clinician's note or pause, nor another person's booking).
"""

from __future__ import annotations

from careplan.domain.errors import CorrectionNotAllowed, NotAllowed
from careplan.domain.values import Actor, Fact
from careplan.domain.vocabulary import CLINICIAN_EVENTS

CLINICIAN = "clinician"
COORDINATOR = "coordinator"
CORRECTION = "EventEnteredInError"

COORDINATOR_EVENTS: frozenset[str] = frozenset(
    {"InfusionScheduled", "InfusionCancelled", "JourneyPaused", "JourneyResumed", "JourneyClosed", "NoteAdded"}
)
"""The coordinator's kinds of event: scheduling and the journey's lifecycle, never clinical findings."""

RECORDS: dict[str, frozenset[str]] = {
    COORDINATOR: COORDINATOR_EVENTS | {CORRECTION},
    CLINICIAN: frozenset(CLINICIAN_EVENTS),
    "auditor": frozenset(),
    "admin": frozenset(),
}
"""The event types each role may record on a journey; a role not listed records none."""


MIGRATES: frozenset[str] = frozenset({CLINICIAN, "admin"})
"""Who may move a journey to another protocol version: a clinician (a clinical judgement), or an
admin for a clinic that moves everyone (``careplan protocols migrate --all-open`` runs as admin)."""


def may_migrate(role: str | None) -> bool:
    return (role or "") in MIGRATES


def require_may_migrate(actor: Actor) -> None:
    if not may_migrate(actor.role):
        raise NotAllowed(actor.role, "ProtocolMigrated")


def may_record(role: str | None, event_type: str) -> bool:
    return event_type in RECORDS.get(role or "", frozenset())


def may_correct(actor: Actor, target: Fact) -> bool:
    """Whether ``actor`` may mark ``target`` (a stored event of the journey) as entered in error."""
    if actor.role == CLINICIAN:
        return True
    if actor.role == COORDINATOR:
        return target.type in COORDINATOR_EVENTS and target.actor == actor
    return False


def require_may_record(actor: Actor, event_type: str) -> None:
    if not may_record(actor.role, event_type):
        raise NotAllowed(actor.role, event_type)


def require_may_correct(actor: Actor, target: Fact) -> None:
    if not may_correct(actor, target):
        raise CorrectionNotAllowed(actor.role, target.type)


def roles_recording(event_type: str) -> tuple[str, ...]:
    return tuple(role for role, types in RECORDS.items() if event_type in types)
