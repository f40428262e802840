"""Informed consent: the form the patient signed before induction (DESIGN 7.6).

A protocol with a ``consent`` step (version 2) lists it in induction's ``requires``, so induction
waits for a signed form (``consent_missing``). A refusal to sign is recorded too (``signed`` false):
it is a fact of the chart, and induction keeps waiting. A protocol without the step (version 1) has
nothing to consent to: the event is refused there (``step_not_in_protocol``, judged by the rules
every step's event meets).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from careplan.domain.about import ASSESSMENT, CLINICIANS, About
from careplan.domain.families.consultation import entry
from careplan.domain.family import event, folds
from careplan.domain.payload import Payload, text
from careplan.domain.record import ClinicalRecord
from careplan.domain.values import Fact


@event
@dataclass(frozen=True)
class ConsentRecorded(Payload):
    about = About(label="Informed consent", group=ASSESSMENT, by=CLINICIANS, step="consent", gated=True)
    form_version: str = field(metadata=text(64))
    """The consent form's own version, as printed on it ("2026-01", "v3.1"): a string."""
    signed: bool = field()
    witness: str | None = field(default=None, metadata=text(200))
    """Who witnessed the signature (a staff member's name or id), when the clinic's form asks for one."""


@folds(ConsentRecorded)
def _consented(r: ClinicalRecord, p: ConsentRecorded, f: Fact) -> None:
    r.consent = entry(f, p)
