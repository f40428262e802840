"""Infusion series as the demo writes them, including the days that do not go to plan.

A session may be held for blood pressure, go ahead under a clinician's override, carry a keyed-in
typo that is then marked as entered in error, be stopped early when blood pressure climbs during
the infusion (which raises a vitals alert that a clinician works), be missed (the scheduler's
``AppointmentMissed``) or cancelled by phone and rebooked, be given early as a recorded deviation
from the 48-hour spacing, or follow a MADRS whose item 10 raises a self-harm alert. Now and then the
reading taken halfway through the infusion is typed up from the monitor's printout after it ended, so
it is charted late and stands where it was taken; a few of those were keyed from the wrong printout
and are marked as entered in error (DESIGN 7.1). Each follows the
protocol's safety rules (pre-vitals within the hour, a dose in range over at least the protocol's
minutes, post-infusion vitals and a discharge assessment after every infusion), so the demo shows
holds, overrides, stops, alerts and corrections exactly as the timeline will show real ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from careplan.demo.chart import COORDINATOR, Chart
from careplan.demo.clinic import SIDE_EFFECTS, acknowledge, madrs, vitals
from careplan.domain.booking import DEFAULT_DURATION_MIN

SESSION_DAYS = 3.35
"""The longest gap between two induction sessions the demo writes (48 h plus up to 30 h, plus the
hour of observation and discharge, rounded up)."""
HELD_DAYS = 1.7
"""What a held, missed, cancelled or deferred session adds to a series at most."""
STOPPED_DAYS = SESSION_DAYS
"""What a stopped session adds at most: ketamine was given, so the full infusion waits the 48-hour
spacing from the stop, as from any infusion."""

HELD = "held"
OVERRIDE = "override"
TYPO = "typo"
STOPPED = "stopped"
MISSED = "missed"
CANCELLED = "cancelled"
EARLY = "early"
SELF_HARM = "self_harm"
SELF_HARM_HIGH = "self_harm_high"
DELAYING = (HELD, STOPPED, MISSED, CANCELLED, SELF_HARM_HIGH)
"""Twists that put the session off to another day."""
EARLY_REASON = "Patient's escort is away from tomorrow for a week; clinician agreed to the shorter gap."


def schedule(chart: Chart, phase: str, in_days: float, deviation: str | None = None) -> None:
    """Books a session about ``in_days`` from the clinical clock, on the first free chair inside opening
    hours from then (``chart.book``); ``chart.booked`` remembers when. The patient comes then: callers
    ``chart.move_to(chart.booked)``. A booking is judged by the timing rules of its infusion (DESIGN
    7.2), so an early or late one carries its ``deviation`` from the booking on."""
    chart.booked, chair = chart.book(chart.later(in_days))
    data = {"phase": phase, "scheduled_for": chart.booked, "chair": chair, "duration_min": DEFAULT_DURATION_MIN}
    chart.record("InfusionScheduled", data, actor=COORDINATOR, deviation=deviation)


def complete(chart: Chart, phase: str, weight_kg: float, deviation: str | None = None, recovered: bool = True) -> None:
    """The infusion given, then (unless ``recovered`` is False: the patient is still being watched)
    the observation and discharge."""
    rng = chart.rng
    # The infusion runs its minutes (at most the protocol's least plus 5) after the pre-vitals and is
    # recorded at its end: its start (the end minus its minutes) comes after the pre-vitals.
    chart.wait(hours=(chart.protocol.dose.duration_min_at_least + 6) / 60)
    chart.record(
        "InfusionCompleted",
        {
            "phase": phase,
            "dose_mg_per_kg": chart.protocol.dose.mg_per_kg_min,
            "weight_kg": weight_kg,
            "duration_min": chart.protocol.dose.duration_min_at_least + rng.randint(0, 5),
            "escort_confirmed": True,
            "side_effects": rng.sample(SIDE_EFFECTS, rng.choice((0, 1, 1, 2))),
        },
        deviation=deviation,
    )
    if rng.random() < LATE_READING:
        charted_late(chart)
    if recovered:
        recover(chart, phase)


LATE_READING = 0.25
"""How often the mid-infusion reading is typed up after the infusion ended (charted late)."""
WRONG_PRINTOUT = 0.2
"""How often such a reading turns out to be from another chair's printout (entered in error)."""


def charted_late(chart: Chart) -> None:
    """The reading taken halfway through the infusion, typed up after it ended and dated when it was
    taken; now and then it was another chair's printout, marked as entered in error at once."""
    rng = chart.rng
    during = {"phase": "during", "systolic": rng.randint(112, 140), "diastolic": rng.randint(68, 88),
              "heart_rate": rng.randint(60, 96), "spo2": rng.randint(95, 99)}
    minutes = chart.protocol.dose.duration_min_at_least // 2
    version = chart.record("VitalsRecorded", during, late=timedelta(minutes=minutes))
    if rng.random() < WRONG_PRINTOUT:
        chart.wait(hours=0.05)
        chart.record(
            "EventEnteredInError", {"target_version": version},
            reason="Typed up from the next chair's printout; this patient's reading is on the paper chart.",
        )


def recover(chart: Chart, phase: str) -> None:
    """Observation after the infusion: post-infusion vitals, then the discharge assessment."""
    rng = chart.rng
    observed = chart.protocol.monitoring.observation_min_at_least + rng.randint(5, 20)
    chart.wait(hours=observed / 120)
    chart.record(
        "VitalsRecorded",
        {"phase": "post", "systolic": rng.randint(112, 138), "diastolic": rng.randint(68, 86),
         "heart_rate": rng.randint(60, 90), "spo2": rng.randint(95, 99)},
    )
    chart.wait(hours=observed / 120 + 1 / 60)  # the observation is measured: a minute spare
    chart.record(
        "DischargeAssessed",
        {"phase": phase, "observation_min": observed, "alert_and_oriented": True, "escort_present": True},
    )


def stopped_session(chart: Chart, phase: str) -> None:
    """Blood pressure climbs during the infusion: the alert is raised, the infusion stopped, the patient
    watched and discharged, the alert worked, and the session rebooked two days or so later (ketamine
    was given, so the 48-hour spacing runs from the stop)."""
    rng = chart.rng
    vitals(chart)
    chart.wait(hours=0.34)  # past the 20 minutes given: the stop's start is after the pre-vitals
    during = {"phase": "during", "systolic": rng.randint(182, 198), "diastolic": rng.randint(110, 118),
              "heart_rate": rng.randint(96, 118), "spo2": rng.randint(94, 98)}
    chart.record("VitalsRecorded", during)
    alert = chart.raised_alert()
    chart.record(
        "InfusionStopped", {"phase": phase, "minutes_given": 20, "cause": "hypertension"},
        reason=f"BP {during['systolic']}/{during['diastolic']} during the infusion.",
    )
    recover(chart, phase)
    chart.record(
        "SafetyAlertAcknowledged",
        {
            "alert_version": alert or 0,
            "risk_assessment": "low",
            "plan": "BP settled after stopping; retry at the next visit with a repeat reading first.",
        },
        reason="BP settled after stopping; low risk; retry at the next visit.",
    )
    gap = next_gap(chart)  # the spacing rule counts the stopped infusion: 48 h at least
    schedule(chart, phase, gap)
    chart.wait(days=gap)


def missed_session(chart: Chart, phase: str, rebook: bool = True) -> None:
    """The patient does not come: once the booking is the protocol's ``missed_after_hours`` past, the
    scheduler records ``AppointmentMissed`` (its own duty and key); the coordinator rebooks the next day."""
    chart.move_to(chart.booked + timedelta(hours=chart.protocol.appointments.missed_after_hours))
    recorded = chart.record_duty("AppointmentMissed")
    assert recorded == 1, "the booking is owed exactly one AppointmentMissed"
    if not rebook:
        return
    chart.wait(hours=chart.rng.uniform(1, 4))
    gap = chart.rng.uniform(0.4, 0.6)  # + at most 20 h to a free slot, after up to 6 h: within HELD_DAYS
    schedule(chart, phase, gap)
    chart.move_to(chart.booked)


def cancelled_session(chart: Chart, phase: str) -> None:
    """The patient phones the day before, unwell: the coordinator cancels that booking (naming it) with
    the reason, and books the day after it instead."""
    booked, version = chart.booked, chart.last_version("InfusionScheduled")
    chart.move_to(max(chart.t, booked - timedelta(hours=chart.rng.uniform(18, 26))))
    chart.record(
        "InfusionCancelled", {"phase": phase, "scheduled_version": version}, actor=COORDINATOR,
        reason="Patient phoned: a feverish cold; rebooked for the day after.",
    )
    schedule(chart, phase, (booked - chart.t).total_seconds() / 86400 + chart.rng.uniform(0.6, 0.8))
    chart.move_to(chart.booked)


def self_harm_visit(chart: Chart, phase: str, high: bool) -> None:
    """At the visit, before the infusion, a MADRS whose item 10 (suicidal thoughts) raises a self-harm
    alert; the clinician assesses the risk and records a plan. At moderate risk the infusion goes ahead
    (the engine refuses it while the alert is open); at high risk it is held and rebooked for the next
    day, when a psychiatrist reviews first and acknowledges the same alert again at moderate risk (the
    engine refuses infusions while the latest acknowledgement says high)."""
    rng = chart.rng
    alert = madrs(chart, rng.randint(30, 38), "infusion", item10=rng.choice((4, 4, 5)))
    assert chart.dry or alert is not None, "a MADRS item 10 at the threshold raises the alert"
    version = alert or 0
    if not high:
        acknowledge(chart, version, "moderate", "Passive suicidal thoughts, no plan; safety plan updated with the "
                    "patient and escort; crisis line given; infusion goes ahead with a review at every visit.")
        return
    acknowledge(chart, version, "high", "Suicidal thoughts with intent; infusion held; stays with family "
                "tonight; psychiatric review before the next session.")
    chart.record("InfusionHeld", {"phase": phase}, reason="High self-harm risk on the MADRS: psychiatric review first.")
    schedule(chart, phase, rng.uniform(0.5, 0.6))  # + at most 20 h to a free slot: within HELD_DAYS
    chart.move_to(chart.booked)
    acknowledge(chart, version, "moderate", "Psychiatric review: no intent now; safety plan agreed with the family; "
                "infusions resume with a review at every visit.")


def session(chart: Chart, phase: str, weight_kg: float, twist: str | None = None) -> None:
    """One infusion visit that ends with the infusion given."""
    if twist == SELF_HARM:
        self_harm_visit(chart, phase, high=False)
    if twist == OVERRIDE:
        vitals(chart, high=True)
        chart.record("HoldOverridden", {"hold": "blood_pressure"}, reason="Usual BP for this patient; cardiology agrees.")
    elif twist == TYPO:
        vitals(chart, high=True)
        wrong = chart.last_version("VitalsRecorded")
        chart.wait(hours=0.1)
        chart.record("EventEnteredInError", {"target_version": wrong}, reason="Blood pressure keyed in wrongly; re-measured.")
        vitals(chart)
    else:
        vitals(chart)
    complete(chart, phase, weight_kg, EARLY_REASON if twist == EARLY else None)


def held_session(chart: Chart, phase: str) -> None:
    """A visit where blood pressure stays high and the infusion is held, rebooked for the next day."""
    vitals(chart, high=True)
    chart.wait(hours=0.3)
    chart.record("InfusionHeld", {"phase": phase}, reason="BP stayed at or above the limit after 15 minutes' rest.")
    gap = chart.rng.uniform(0.7, 0.9)  # + at most 20 h to a free slot: within HELD_DAYS
    schedule(chart, phase, gap)
    chart.move_to(chart.booked)


def next_gap(chart: Chart) -> float:
    # 49 to 58 h, then at most 20 h to the next free slot in opening hours: within SESSION_DAYS.
    return 2 + chart.rng.uniform(1, 10) / 24


def early_gap(chart: Chart) -> float:
    # A day or so after the discharge (never under the 24 h floor from the infusion's end), then at
    # most 20 h to a free slot: under 47 h start to start, so the 48-hour spacing rule is always what
    # the deviation waives.
    return chart.rng.uniform(1.0, 1.05)


Twists = str | Sequence[str | None] | None
"""One twist, which falls on the second session, or one per session (None: a plain one)."""


def induction(chart: Chart, weight_kg: float, sessions: int, twist: Twists = None, book_next: bool = True) -> None:
    """``sessions`` induction infusions from the clinical clock on, each with its twist.

    The first session must already be booked. At most ``SESSION_DAYS`` pass between sessions (plus
    ``HELD_DAYS`` for each delaying twist); the next one is booked after the last, if asked.
    """
    plan = _plan(twist, sessions)
    for k in range(sessions):
        if plan[k] == HELD:
            held_session(chart, "induction")
        if plan[k] == STOPPED:
            stopped_session(chart, "induction")
        if plan[k] == MISSED:
            missed_session(chart, "induction")
        if plan[k] == CANCELLED:
            cancelled_session(chart, "induction")
        if plan[k] == SELF_HARM_HIGH:
            self_harm_visit(chart, "induction", high=True)
        session(chart, "induction", weight_kg, plan[k] if plan[k] not in DELAYING else None)
        if k < sessions - 1 or book_next:
            early = k + 1 < sessions and plan[k + 1] == EARLY
            schedule(chart, "induction", early_gap(chart) if early else next_gap(chart), EARLY_REASON if early else None)
            if k < sessions - 1:
                chart.move_to(chart.booked)


def _plan(twist: Twists, sessions: int) -> list[str | None]:
    chosen: list[str | None] = [None, twist] if twist is None or isinstance(twist, str) else list(twist)
    return (chosen + [None] * sessions)[:sessions]


def series_days(sessions: int, twist: Twists = None) -> float:
    """The longest an ``induction`` call of this many sessions can take."""
    plan = _plan(twist, sessions)
    delays = sum(1 for t in plan if t in DELAYING and t != STOPPED)
    stops = sum(1 for t in plan if t == STOPPED)
    return SESSION_DAYS * max(0, sessions - 1) + HELD_DAYS * delays + STOPPED_DAYS * stops + 0.2


LATE_REASON = "Off sick with flu for ten days; clinician agreed to finish the series late rather than restart it."


def late_after_illness(chart: Chart, weight_kg: float, first_infusion: datetime) -> None:
    """The patient is ill: the booked session is cancelled, and the next one is given a day or so after
    the induction window (counted from ``first_infusion``) has closed, as a recorded deviation."""
    version = chart.last_version("InfusionScheduled")
    chart.wait(hours=chart.rng.uniform(2, 20))
    chart.record(
        "InfusionCancelled", {"phase": "induction", "scheduled_version": version}, actor=COORDINATOR,
        reason="Patient phoned: flu; will rebook when well.",
    )
    window = timedelta(days=chart.protocol.induction.window_days)
    later = first_infusion + window + timedelta(days=chart.rng.uniform(0.5, 1.5))
    schedule(chart, "induction", (later - chart.t).total_seconds() / 86400, LATE_REASON)
    chart.move_to(chart.booked)
    vitals(chart)
    complete(chart, "induction", weight_kg, LATE_REASON)


def open_hold(chart: Chart) -> None:
    """The patient arrives for the booked session with high blood pressure; the hold is still open."""
    chart.move_to(chart.booked)
    vitals(chart, high=True)


def booster(chart: Chart, weight_kg: float, weeks: int) -> None:
    """One maintenance infusion, booked and given about ``weeks`` after the last infusion."""
    gap = weeks * 7 + chart.rng.uniform(-2, 2)
    schedule(chart, "maintenance", gap)
    chart.move_to(chart.booked)
    session(chart, "maintenance", weight_kg)


def maintenance(chart: Chart, weight_kg: float, weeks: int, lapse: bool) -> int:
    """Boosters every ``weeks`` for as long as the cohort's now allows; a lapsing patient stops after one."""
    given = 0
    while not (lapse and given >= 1) and chart.left().days > weeks * 7 + 2:
        booster(chart, weight_kg, weeks)
        given += 1
    return given
