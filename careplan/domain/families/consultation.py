"""The consultation and the medication review: eligibility, and what the patient already takes."""

from __future__ import annotations

from dataclasses import dataclass, field

from careplan.domain.about import ASSESSMENT, CLINICIANS, About
from careplan.domain.family import event, folds
from careplan.domain.payload import Payload, between, items, text
from careplan.domain.record import ClinicalRecord, Entry, P
from careplan.domain.values import Fact

DIAZEPAM_EQ_MG = (0, 500)
"""A plausible daily diazepam-equivalent dose: the payload's range and the protocol file's."""


@event
@dataclass(frozen=True)
class ConsultationCompleted(Payload):
    about = About(label="Consultation", group=ASSESSMENT, by=CLINICIANS, step="consultation")
    eligible: bool
    prior_antidepressant_trials: int = field(metadata=between(0, 50))
    psychotherapy_tried: bool = field()
    goals: str | None = field(default=None, metadata=text(4000))


@dataclass(frozen=True)
class Medication(Payload):
    name: str = field(metadata=text(200))
    dose: str | None = field(default=None, metadata=text(200))
    drug_class: str | None = field(default=None, metadata=text(200))


@event
@dataclass(frozen=True)
class MedicationReviewed(Payload):
    about = About(label="Medication review", group=ASSESSMENT, by=CLINICIANS, step="medication_review", gated=True)
    medications: tuple[Medication, ...] = field(metadata=items(100))
    benzodiazepine_diazepam_eq_mg: float = field(metadata=between(*DIAZEPAM_EQ_MG))
    taper_required: bool = field()


def entry(fact: Fact, payload: P) -> Entry[P]:
    return Entry(fact.version, fact.occurred_at, fact.reason, payload)


@folds(ConsultationCompleted)
def _consulted(r: ClinicalRecord, p: ConsultationCompleted, f: Fact) -> None:
    r.consultation = entry(f, p)


@folds(MedicationReviewed)
def _reviewed(r: ClinicalRecord, p: MedicationReviewed, f: Fact) -> None:
    r.medication_review = entry(f, p)
