"""Who may record what: the one table of the role rules, judged by the journey itself.

The rules hold whatever the entry point (the pages, the JSON API, the command line, the demo, the
scheduler, a script): the aggregate refuses an event its actor's role may not record, before anything
is recorded, with :class:`NotAllowed` (the API's 403 ``forbidden``). The web reads this table to show
and check the same thing earlier; it never keeps a copy.

Clinicians record every clinical event. Coordinators keep plans moving: they schedule and cancel
infusions, pause, resume and close journeys, and add notes. Auditors and admins record nothing on a
journey. The scheduler (``system``) records only its own events, through their own command. The
patient records exactly one thing: the answers to a questionnaire sent by link (DESIGN 7.7), and the
assessment's own rule holds that actor to the link (``context`` ``remote``, unexpired, unanswered).

Marking an event entered in error is judged against the event marked: a clinician may mark any event
that can be marked; a coordinator only an event of the coordinator's kinds that this same coordinator
recorded, in the coordinator role (never a clinician's note or pause, nor another person's booking).
"""

from __future__ import annotations

from careplan.domain.about import CLINICIAN, COORDINATOR, PATIENT
from careplan.domain.errors import CorrectionNotAllowed, NotAllowed, UnknownEventType
from careplan.domain.payload import payload_type
from careplan.domain.values import Actor, Fact

__all__ = [
    "CLINICIAN", "COORDINATOR", "CORRECTION", "PATIENT", "PATIENT_ACTOR", "ROLES", "SENDS_QUESTIONNAIRES", "coordinators_kind", "may_correct", "may_record",
    "require_may_correct", "require_may_record", "require_may_send_questionnaire", "roles_recording",
]

CORRECTION = "EventEnteredInError"
ROLES: tuple[str, ...] = (COORDINATOR, CLINICIAN, "auditor", "admin")
"""The roles of people; which event types each records is said by each type's class (``About.by``)."""
PATIENT_ACTOR = Actor(id="patient", role=PATIENT)
"""Who answers by link: no account, no sign-in; the link is the authority (DESIGN 7.7). Not one of
``ROLES`` (no one signs in as a patient); ``AssessmentRecorded`` says the patient may record it."""


SENDS_QUESTIONNAIRES: frozenset[str] = frozenset({CLINICIAN})
"""Who may send a questionnaire link now (``QuestionnaireSent`` at a clinician's request)."""


def require_may_send_questionnaire(actor: Actor) -> None:
    if actor.role not in SENDS_QUESTIONNAIRES:
        raise NotAllowed(actor.role, "QuestionnaireSent")


MIGRATES: frozenset[str] = frozenset({CLINICIAN, "admin"})
"""Who may move a journey to another protocol version: a clinician (a clinical judgement), or an
admin for a clinic that moves everyone (``careplan protocols migrate --all-open`` runs as admin)."""


def may_migrate(role: str | None) -> bool:
    return (role or "") in MIGRATES


def require_may_migrate(actor: Actor) -> None:
    if not may_migrate(actor.role):
        raise NotAllowed(actor.role, "ProtocolMigrated")


def may_record(role: str | None, event_type: str) -> bool:
    """Whether ``role`` may record ``event_type`` on a journey: the type's own ``About.by``."""
    try:
        return bool(role) and role in payload_type(event_type).about.by
    except UnknownEventType:
        return False


def coordinators_kind(event_type: str) -> bool:
    """Scheduling and the journey's lifecycle: what a coordinator records and may mark in error (a
    correction is recorded by coordinators too, but is no kind of theirs: it cannot be marked)."""
    try:
        about = payload_type(event_type).about
    except UnknownEventType:
        return False
    return COORDINATOR in about.by and about.correctable


def may_correct(actor: Actor, target: Fact) -> bool:
    """Whether ``actor`` may mark ``target`` (a stored event of the journey) as entered in error."""
    if actor.role == CLINICIAN:
        return True
    if actor.role == COORDINATOR:
        return coordinators_kind(target.type) and target.actor == actor
    return False


def require_may_record(actor: Actor, event_type: str) -> None:
    if not may_record(actor.role, event_type):
        raise NotAllowed(actor.role, event_type)


def require_may_correct(actor: Actor, target: Fact) -> None:
    if not may_correct(actor, target):
        raise CorrectionNotAllowed(actor.role, target.type)


def roles_recording(event_type: str) -> tuple[str, ...]:
    return tuple(role for role in ROLES if may_record(role, event_type))
