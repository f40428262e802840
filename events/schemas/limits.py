"""The plausible ranges that an event and a protocol file must both respect.

They live in one place because a protocol setting outside what an event may record (a maintenance
interval of 16 weeks when ``MaintenanceIntervalSet`` takes 2 to 12) would be a plan nobody can follow.
The instruments' scales are here too: a total, an item, and the protocol's PHQ-9 thresholds all
depend on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from careplan.domain.vocabulary import INSTRUMENTS

DOSE_MG_PER_KG = (0.05, 2.0)
INFUSION_MINUTES = (1, 240)
MAINTENANCE_WEEKS = (2, 12)
DIAZEPAM_EQ_MG = (0, 500)


@dataclass(frozen=True)
class Scale:
    """A questionnaire of ``items`` items, each scored 0 to ``item_max``; the total is their sum."""

    name: str
    items: int
    item_max: int

    @property
    def total_max(self) -> int:
        return self.items * self.item_max


PHQ9, MADRS, GAD7 = INSTRUMENTS
SCALES: dict[str, Scale] = {
    PHQ9: Scale(PHQ9, items=9, item_max=3),  # total 0..27 (Kroenke 2001)
    MADRS: Scale(MADRS, items=10, item_max=6),  # total 0..60
    GAD7: Scale(GAD7, items=7, item_max=3),  # total 0..21
}
