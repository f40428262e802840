"""A journey's history read with its corrections: the one reading every reader uses.

The timeline, the FHIR export, the audit pages and ``replay`` all need the same answers: which events
were later marked as entered in error, by which correction, and what the live record is made of.
They are answered here, once, instead of picking ``fact.data`` apart in each reader.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from careplan.domain import catalogue  # noqa: F401  (every event type known: readers take typed payloads)
from careplan.domain.record import clinical_order, corrections_of
from careplan.domain.values import Fact


@dataclass(frozen=True)
class History:
    facts: tuple[Fact, ...]
    errored: frozenset[int] = field(default=frozenset())
    corrections: dict[int, Fact] = field(default_factory=dict)
    """Each version entered in error, with the ``EventEnteredInError`` that marked it."""

    def __init__(self, facts: Sequence[Fact]) -> None:
        object.__setattr__(self, "facts", tuple(facts))
        object.__setattr__(self, "corrections", corrections_of(self.facts))
        object.__setattr__(self, "errored", frozenset(self.corrections))

    def __iter__(self) -> Iterator[Fact]:
        return iter(self.facts)

    def __len__(self) -> int:
        return len(self.facts)

    @property
    def version(self) -> int:
        return self.facts[-1].version if self.facts else 0

    def live(self) -> list[Fact]:
        """The facts the record is made of: all but those marked as entered in error."""
        return [f for f in self.facts if f.version not in self.errored]

    def clinical(self) -> list[Fact]:
        """The live facts where they happened: by ``occurred_at``, ties by version (the record's order)."""
        return clinical_order(self.live())

    def at(self, version: int) -> Fact | None:
        if 1 <= version <= len(self.facts) and self.facts[version - 1].version == version:
            return self.facts[version - 1]
        return next((f for f in self.facts if f.version == version), None)

    def in_error(self, version: int) -> bool:
        return version in self.errored

    def correction_of(self, version: int) -> Fact | None:
        """The ``EventEnteredInError`` that marked ``version``, if any."""
        return self.corrections.get(version)

    def of_type(self, *types: str, live_only: bool = True) -> list[Fact]:
        return [f for f in self.facts if f.type in types and not (live_only and f.version in self.errored)]
