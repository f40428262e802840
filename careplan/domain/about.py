"""What the clinic says of an event type besides its fields: one ``About`` on each payload class.

Who may record it, whether it needs a reason, the step it belongs to, its plain name and where the
event form's picker offers it, whether it may be marked entered in error, what a pause or a close does
to it, whether it ends a chair booking: each is said once, on the event's own class
(``careplan.domain.families``), and every table that the rules, the pages, the API, FHIR and the
booking ledger read is derived from these (``careplan.domain.catalogue``). Adding an event type is
adding one class; nothing else names it.
"""

from __future__ import annotations

from dataclasses import dataclass

CLINICIAN = "clinician"
COORDINATOR = "coordinator"
SYSTEM = "system"
PATIENT = "patient"
"""Who answers a questionnaire by link (DESIGN 7.7): no account; only ``AssessmentRecorded``."""

CLINICIANS: frozenset[str] = frozenset({CLINICIAN})
"""Clinical findings and judgements: clinicians only."""
CARE_TEAM: frozenset[str] = frozenset({CLINICIAN, COORDINATOR})
"""Scheduling and the journey's lifecycle: coordinators too (DESIGN 7.1, ``careplan.domain.roles``)."""
SCHEDULER: frozenset[str] = frozenset({SYSTEM})
"""What the scheduler records as time passes, through its own command."""
NOBODY: frozenset[str] = frozenset()
"""Recorded by a command of its own (the opening, a migration), never through ``record``."""

ASSESSMENT = "Assessment and screening"
INFUSIONS = "Infusions"
RESPONSE = "Response and maintenance"
JOURNEY = "The journey"
GROUPS: tuple[str, ...] = (ASSESSMENT, INFUSIONS, RESPONSE, JOURNEY)
"""The headings of the event form's picker, in the order it shows them."""

INFUSION_PHASES: tuple[str, ...] = ("induction", "maintenance")


@dataclass(frozen=True)
class About:
    """One event type as the clinic and the rules know it, beside its fields."""

    label: str = ""
    """Its plain name, as the clinic says it ("Complete infusion"): the picker and the form's heading."""
    group: str = ""
    """The picker's heading it is offered under; blank: not offered on the form."""
    by: frozenset[str] = NOBODY
    """The roles that may record it on a journey (the domain's rule whatever the entry point)."""
    reason: bool = False
    """Whether its ``reason`` is required (R in docs/contract.md section 3)."""
    step: str | None = None
    """The protocol step it belongs to; None for the journey's own events (or see ``chair``)."""
    chair: bool = False
    """An event at the infusion chair: it belongs to its ``phase``'s step (induction or maintenance)."""
    gated: bool = False
    """Whether it waits for what the protocol says its step requires before it may be recorded."""
    correctable: bool = True
    """Whether it may be marked entered in error."""
    while_paused: bool = True
    """Whether a paused journey accepts it (a paused course gives no infusion)."""
    once_closed: bool = False
    """Whether a closed journey still accepts it (notes and corrections only)."""
    settles_booking: bool = False
    """Whether it can end, move or give back a chair booking (the ledger settles after it)."""
    any_order: bool = False
    """Whether its fold gives the same record wherever it falls: a late one needs no refold."""
    administration: bool = False
    """Ketamine was given: the retrospective review and the session record read it."""


CLINICAL = About()
"""The default of a payload class that says nothing (a nested value such as ``Medication``)."""
