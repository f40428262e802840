"""The journey's own life: opened, paused, resumed, closed, migrated, and corrections.

A correction (``EventEnteredInError``) marks an earlier event as wrong without deleting it; the record
is refolded from the stored history without it. Who may correct what is the role table's rule
(``careplan.domain.roles``), judged here against the journey's real history inside the same save, so
no caller can race it: a coordinator may mark only a coordinator's kind of event that the same
coordinator recorded; a clinician may mark any event that can be marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from careplan.domain import roles
from careplan.domain.about import CARE_TEAM, JOURNEY, About
from careplan.domain.codes import Outcome
from careplan.domain.errors import RuleViolation
from careplan.domain.families.consultation import entry
from careplan.domain.family import Attempt, event, folds, rule
from careplan.domain.payload import Payload, at_least, between, items, text
from careplan.domain.record import ClinicalRecord
from careplan.domain.values import Fact

IDENTIFIER = r"[A-Za-z0-9._-]{1,64}"
UUID_TEXT = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
IDENTIFIER_MESSAGE = "Use 1 to 64 letters, digits, '.', '-' or '_' (an opaque reference, never a name)."

@event
@dataclass(frozen=True)
class JourneyOpened(Payload):
    about = About(correctable=False)
    patient_ref: str = field(metadata={"pattern": IDENTIFIER, "pattern_message": IDENTIFIER_MESSAGE})
    protocol: str = field(default="ketamine-trd", metadata={"pattern": IDENTIFIER, "pattern_message": IDENTIFIER_MESSAGE})
    protocol_version: int | None = field(default=None, metadata=between(1, 10_000))
    """None asks for the protocol's latest version; a stored opening always names it."""
    previous_journey_id: str | None = field(default=None, metadata={"pattern": UUID_TEXT, "pattern_message": "Must be a journey id (a UUID)."})
    """The patient's earlier course, when this one follows it (DESIGN 6.2)."""


@event
@dataclass(frozen=True)
class EventEnteredInError(Payload):
    about = About(
        label="Entered in error", group=JOURNEY, by=CARE_TEAM, reason=True, correctable=False, once_closed=True,
        settles_booking=True,
    )
    target_version: int = field(metadata=at_least(1))


@event
@dataclass(frozen=True)
class JourneyPaused(Payload):
    """No fields: the why goes in the event's ``reason``."""
    about = About(label="Pause the journey", group=JOURNEY, by=CARE_TEAM, reason=True)


@event
@dataclass(frozen=True)
class JourneyResumed(Payload):
    """No fields."""
    about = About(label="Resume the journey", group=JOURNEY, by=CARE_TEAM)


@event
@dataclass(frozen=True)
class JourneyClosed(Payload):
    about = About(label="Close the journey", group=JOURNEY, by=CARE_TEAM, reason=True, settles_booking=True)
    outcome: Outcome


@event
@dataclass(frozen=True)
class ProtocolMigrated(Payload):
    about = About(correctable=False)
    protocol: str = field(metadata=text(64))
    from_version: int = field(metadata=at_least(1))
    to_version: int = field(metadata=at_least(1))
    changes: tuple[str, ...] = field(default=(), metadata=items(200))
    """The migration report's sentences: what the move changed (DESIGN 7.6); older events have none."""
    confirmed: tuple[str, ...] = field(default=(), metadata=items(50))
    """The kinds of change the clinician confirmed (``series_completed``, ``hold_lifted``, ...)."""


@folds(JourneyOpened)
def _opened(r: ClinicalRecord, p: JourneyOpened, f: Fact) -> None:
    r.patient_ref = p.patient_ref
    r.opened_at = f.occurred_at
    r.protocol_id = p.protocol
    if p.protocol_version is not None:  # always, in a stored opening
        r.protocol_version = p.protocol_version
    r.previous_journey_id = p.previous_journey_id


@rule(EventEnteredInError)
def _may_correct(r: ClinicalRecord, p: EventEnteredInError, a: Attempt) -> None:
    if a.history is None:
        raise ValueError("a correction is judged against the journey's history: pass it")
    facts = {f.version: f for f in a.history}
    target = p.target_version
    if target not in facts:
        raise RuleViolation("no_such_version", f"The journey has no event at version {target}.")
    kind = facts[target].type
    if not facts[target].payload.about.correctable:
        raise RuleViolation("not_correctable", f"A {kind} event cannot be marked as entered in error.")
    if target in r.errored:
        raise RuleViolation("already_in_error", f"Version {target} is already marked as entered in error.")
    roles.require_may_correct(a.actor, facts[target])


@rule(JourneyPaused)
def _may_pause(r: ClinicalRecord, p: JourneyPaused, a: Attempt) -> None:
    if r.paused is not None:
        raise RuleViolation("already_paused", "The journey is already paused.")


@folds(JourneyPaused)
def _paused(r: ClinicalRecord, p: JourneyPaused, f: Fact) -> None:
    r.paused = entry(f, p)


@rule(JourneyResumed)
def _may_resume(r: ClinicalRecord, p: JourneyResumed, a: Attempt) -> None:
    if r.paused is None:
        raise RuleViolation("not_paused", "The journey is not paused.")


@folds(JourneyResumed)
def _resumed(r: ClinicalRecord, p: JourneyResumed, f: Fact) -> None:
    r.paused = None


@folds(JourneyClosed)
def _closed(r: ClinicalRecord, p: JourneyClosed, f: Fact) -> None:
    r.closed = entry(f, p)


@folds(ProtocolMigrated)
def _migrated(r: ClinicalRecord, p: ProtocolMigrated, f: Fact) -> None:
    r.protocol_version = p.to_version
    if r.resolve is not None:
        r.protocol = r.resolve(r.protocol_id, p.to_version)
