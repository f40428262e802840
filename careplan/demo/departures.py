"""Stories of the infusion chair's harder days (issue 10), one stage each so a small cohort shows them all.

An absolute contraindication that two different clinicians override, a self-harm answer on the MADRS
worked before the infusion, a booking missed (as the scheduler records it) and one cancelled by
phone, an infusion given against a timing rule as a recorded deviation, a patient in the chair not
yet discharged or a contraindication found mid-series, and a patient back for a second course after
the first was closed. Same shape as ``stories.py``: choose the variant, then
write it; see there for ``slack``.
"""

from __future__ import annotations

from random import Random

from careplan.demo import infusions as inf
from careplan.demo.chart import Chart
from careplan.demo.clinic import Workup
from careplan.demo.outcomes import _series
from careplan.demo.stories import Story, _consult, close, prepare, respond, weight

ABSOLUTE_FINDING = "psychotic_disorder"
"""An absolute contraindication of the default protocol that clinics do override after review: a
single remote, substance-induced episode."""
RELAPSE_DAYS = (21.0, 45.0)
"""How long after the first course closed the patient is referred back."""


def absolute_override(rng: Random, n: int) -> Story:
    """An absolute contraindication overridden by two different clinicians, then induction under way;
    every third patient waits for the second clinician (induction stays blocked until then)."""
    awaiting_second = n % 3 == 2

    def write(chart: Chart) -> None:
        if awaiting_second:
            _consult(chart)
            chart.wait(days=chart.rng.uniform(0, 1))
            chart.record("ContraindicationScreened", {"findings": [ABSOLUTE_FINDING]})
            chart.wait(days=chart.rng.uniform(0.1, 0.5))
            chart.record(
                "ContraindicationOverridden", {"finding": ABSOLUTE_FINDING},
                reason="Remote single episode; psychiatric review advises treatment. Second clinician to confirm.",
            )
            return
        prepare(chart, Workup(finding=ABSOLUTE_FINDING, override=True))
        inf.induction(chart, weight(chart.rng), 2 + n % 3)

    return Story(write, slack=(0.1, 6))


def self_harm(rng: Random, n: int) -> Story:
    """During induction a MADRS item 10 raises a self-harm alert, acknowledged with a risk assessment
    and a plan; at moderate risk the infusion goes ahead, at high risk it waits for a psychiatrist."""
    twist = inf.SELF_HARM if n % 2 == 0 else inf.SELF_HARM_HIGH
    done = 2 + n % 3

    def write(chart: Chart) -> None:
        prepare(chart)
        inf.induction(chart, weight(chart.rng), done, twist)

    return Story(write, slack=(0.1, 6))


def missed(rng: Random, n: int) -> Story:
    """A booked session the patient missed (``AppointmentMissed``, recorded as the scheduler records it),
    rebooked and given, and another cancelled by phone naming its booking; every other patient's last
    booking is missed and waits on the overdue worklist to be rebooked or cancelled."""
    left_missed = n % 2 == 1

    def write(chart: Chart) -> None:
        prepare(chart)
        if left_missed:
            inf.induction(chart, weight(chart.rng), 2)
            inf.missed_session(chart, "induction", rebook=False)
        else:
            inf.induction(chart, weight(chart.rng), 4, (None, inf.MISSED, None, inf.CANCELLED))

    return Story(write, slack=(0.1, 2) if left_missed else (0.1, 5))


def deviation(rng: Random, n: int) -> Story:
    """An infusion recorded despite a timing rule, with the clinician's reason: the second one under
    48 hours after the first (the escort's week away), or a late one after ten days' flu outside the
    21-day induction window. The journey is on the deviations worklist."""
    late = n % 2 == 1

    def write(chart: Chart) -> None:
        prepare(chart)
        if late:
            first = chart.booked
            inf.induction(chart, weight(chart.rng), 3)
            inf.late_after_illness(chart, weight(chart.rng), first)
        else:
            inf.induction(chart, weight(chart.rng), 3, inf.EARLY)

    return Story(write, slack=(0.1, 6))


MID_SERIES_FINDING = "uncontrolled_hypertension"
"""A relative contraindication found at a repeat screening during the series (a new diagnosis from
the patient's GP): the rest of the series waits for a clinician's override."""


def in_the_chair(rng: Random, n: int) -> Story:
    """Induction under way: the second session stopped for hypertension (its vitals alert worked),
    and the last infusion given but its discharge assessment not yet recorded, so the next infusion
    waits for it (``discharge_pending`` on the blocked worklist)."""
    done = 2 + n % 3

    def write(chart: Chart) -> None:
        prepare(chart)
        inf.induction(chart, weight(chart.rng), done, inf.STOPPED)
        chart.move_to(chart.booked)
        inf.vitals(chart)
        inf.complete(chart, "induction", weight(chart.rng), recovered=False)

    return Story(write, slack=(0.02, 0.06))


def found_mid_series(rng: Random, n: int) -> Story:
    """A contraindication found at a repeat screening during the series: the rest of the series is
    blocked and its reminders stop until a clinician overrides it."""
    done = 2 + n % 3

    def write(chart: Chart) -> None:
        prepare(chart)
        inf.induction(chart, weight(chart.rng), done, book_next=False)
        chart.wait(days=chart.rng.uniform(0.5, 1.5))
        chart.record("ContraindicationScreened", {"findings": [MID_SERIES_FINDING]},
                     reason="Repeat screening: the GP diagnosed hypertension since the work-up.")

    return Story(write, slack=(0.1, 3))


def second_course(rng: Random, n: int) -> Story:
    """A patient back for a second course: the first (remission, stopped to watch) is closed, the GP
    refers them back weeks later, and the new journey names the first as its previous course; every
    other patient's second course is under way, the rest are at its consultation."""
    under_way = n % 2 == 0
    # Drawn here, not while writing: the first course's real chair bookings may leave room for fewer
    # check-ins than its dry run did, which shifts every later draw; the weeks before the referral and
    # the second course's own draws must not move with them, or the real story could outrun its dry run.
    relapse_days = rng.uniform(*RELAPSE_DAYS)
    second_seed = rng.getrandbits(64)

    def write(chart: Chart) -> None:
        _series(chart)
        respond(chart, chart.rng.randint(1, 4), "discontinue")
        close(chart, "completed", "Remission after the induction series; agreed to stop and watch; back to the GP.")
        chart.wait(days=relapse_days)
        chart.rng.seed(second_seed)
        chart.next_course("Referred back by the GP: depression has returned since stopping.")
        if under_way:
            prepare(chart)
            inf.induction(chart, weight(chart.rng), 2)
        else:
            _consult(chart)

    return Story(write, slack=(0.1, 6))
