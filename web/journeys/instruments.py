"""The questionnaires as the form asks them: item wording and answer labels.

The scales themselves (how many items, the highest score) come from ``events.schemas.limits``, the
same table the validation uses, so the form can never offer a score the schema would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from careplan.messaging.instruments import GAD7, OFTEN, PHQ9
from events.schemas.limits import SCALES

SCORED_FIELDS = frozenset({("AssessmentRecorded", "items")})
"""(event type, field) pairs whose list of whole numbers is a questionnaire's item scores."""

PHQ9_ITEMS = PHQ9.items
"""The instruments' own words, verbatim, as the patient reads them at home (``careplan.messaging.instruments``):
a score entered in the clinic is comparable with one answered from home only on the same questions."""
FREQUENCY = OFTEN
GAD7_ITEMS = GAD7.items
MADRS_ITEMS = (
    "Apparent sadness",
    "Reported sadness",
    "Inner tension",
    "Reduced sleep",
    "Reduced appetite",
    "Concentration difficulties",
    "Lassitude",
    "Inability to feel",
    "Pessimistic thoughts",
    "Suicidal thoughts",
)
WORDING = {"PHQ9": PHQ9_ITEMS, "GAD7": GAD7_ITEMS, "MADRS": MADRS_ITEMS}
ANSWERS = {"PHQ9": FREQUENCY, "GAD7": FREQUENCY}
NAMES = {"PHQ9": "PHQ-9", "GAD7": "GAD-7", "MADRS": "MADRS"}


@dataclass(frozen=True)
class Questionnaire:
    code: str
    name: str
    items: tuple[str, ...]
    scores: tuple[tuple[int, str], ...]
    """Each score an item can take, with its answer label (or the bare number)."""


def questionnaires() -> list[Questionnaire]:
    made = []
    for code, scale in SCALES.items():
        labels = ANSWERS.get(code)
        scores = tuple((n, f"{n} – {labels[n]}" if labels else str(n)) for n in range(scale.item_max + 1))
        wording = WORDING.get(code) or tuple(f"Item {n}" for n in range(1, scale.items + 1))
        made.append(Questionnaire(code, NAMES.get(code, code), wording[: scale.items], scores))
    return made
