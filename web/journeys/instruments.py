"""The questionnaires as the form asks them: item wording and answer labels.

The scales themselves (how many items, the highest score) come from ``events.schemas.limits``, the
same table the validation uses, so the form can never offer a score the schema would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from events.schemas.limits import SCALES

SCORED_FIELDS = frozenset({("AssessmentRecorded", "items")})
"""(event type, field) pairs whose list of whole numbers is a questionnaire's item scores."""

PHQ9_ITEMS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself, or that you are a failure",
    "Trouble concentrating on things",
    "Moving or speaking slowly, or being fidgety or restless",
    "Thoughts that you would be better off dead, or of hurting yourself",
)
FREQUENCY = ("Not at all", "Several days", "More than half the days", "Nearly every day")
GAD7_ITEMS = (
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
)
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
