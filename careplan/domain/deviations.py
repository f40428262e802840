"""Deviations (DESIGN 6.3): an event recorded although a timing rule would have refused it.

What really happened is recorded (an infusion 41 hours after the last, on day 22 of the window) with
the clinician's reason, instead of being refused so that the chart and reality part ways. The record
keeps, per step, the latest few (version, code, reason); the step shows a ``deviation`` flag and the
journey is on the ``deviations`` worklist. The full list is the history's (``careplan report
deviations`` reads the events).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from careplan.domain.values import Fact

if TYPE_CHECKING:  # the record folds deviations in: it imports this module, not the other way round
    from careplan.domain.record import ClinicalRecord

KEPT_PER_STEP = 3
"""How many deviations a step keeps in the record: enough for the flag, small for the snapshot."""



def step_of(fact: Fact) -> str:
    """The step a deviating event belongs to (its class says: its phase's step for infusion events);
    the induction's when it names none."""
    return fact.payload.belongs_to() or "induction"


def note(record: ClinicalRecord, fact: Fact) -> None:
    """Folds a deviating fact into the record (after its own fold)."""
    kept = record.deviations.setdefault(step_of(fact), [])
    for code in fact.deviated or ("deviation",):
        kept.append((fact.version, code, fact.deviation or ""))
    del kept[:-KEPT_PER_STEP]


def flag_reason(code: str, reason: str) -> str:
    return f"{code.replace('_', ' ').capitalize()} recorded as a deviation: {reason}"
