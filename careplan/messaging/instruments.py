"""The questionnaires as the patient reads them: the instruments' own words, verbatim.

PHQ-9 (Kroenke, Spitzer and Williams 2001) and GAD-7 (Spitzer et al. 2006), developed with a grant
from Pfizer Inc., may be reproduced without permission. The wording is theirs and is not changed:
scores are only comparable when the questions are the ones the scales were validated with.
"""

from __future__ import annotations

from dataclasses import dataclass

OFTEN = ("Not at all", "Several days", "More than half the days", "Nearly every day")


@dataclass(frozen=True)
class Instrument:
    code: str
    title: str
    stem: str
    items: tuple[str, ...]
    answers: tuple[str, ...] = OFTEN


PHQ9 = Instrument(
    "PHQ9",
    "How you have been feeling (PHQ-9)",
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    (
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
        "fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
)
GAD7 = Instrument(
    "GAD7",
    "Worry and nerves (GAD-7)",
    "Over the last 2 weeks, how often have you been bothered by the following problems?",
    (
        "Feeling nervous, anxious or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ),
)
BY_CODE = {"PHQ9": PHQ9, "GAD7": GAD7}
