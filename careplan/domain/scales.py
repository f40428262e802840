"""The questionnaires' scales: a total, an item, and the protocol's thresholds all depend on them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """A questionnaire of ``items`` items, each scored 0 to ``item_max``; the total is their sum."""

    name: str
    items: int
    item_max: int

    @property
    def total_max(self) -> int:
        return self.items * self.item_max

    def items_problem(self, answers: Sequence[int], total: int) -> str | None:
        """Why these item scores cannot be this instrument's answers for this total, or None.
        Items are numbered from 1, as clinicians count them (PHQ-9 item 9 is the self-harm question)."""
        if len(answers) != self.items:
            return f"{self.name} has {self.items} items, not {len(answers)}."
        for number, score in enumerate(answers, start=1):
            if not 0 <= score <= self.item_max:
                return f"Item {number} is {score}; {self.name} items are scored 0 to {self.item_max}."
        if sum(answers) != total:
            return f"The items add up to {sum(answers)}, but the total is {total}."
        return None


SCALES: dict[str, Scale] = {
    "PHQ9": Scale("PHQ9", items=9, item_max=3),  # total 0..27 (Kroenke 2001)
    "MADRS": Scale("MADRS", items=10, item_max=6),  # total 0..60
    "GAD7": Scale("GAD7", items=7, item_max=3),  # total 0..21
}
