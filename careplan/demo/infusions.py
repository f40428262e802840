"""Infusion series as the demo writes them, including the days that do not go to plan.

A session may be held for blood pressure, go ahead under a clinician's override, carry a keyed-in
typo that is then marked as entered in error, or be stopped early when blood pressure climbs during
the infusion (which raises a vitals alert that a clinician works); each follows the protocol's safety
rules (pre-vitals within the hour, a dose in range over at least the protocol's minutes, post-infusion
vitals and a discharge assessment after every infusion), so the demo shows holds, overrides, stops,
alerts and corrections exactly as the timeline will show real ones.
"""

from __future__ import annotations

from careplan.demo.chart import COORDINATOR, Chart
from careplan.demo.clinic import SIDE_EFFECTS, vitals
from careplan.domain.booking import DEFAULT_DURATION_MIN

SESSION_DAYS = 3.35
"""The longest gap between two induction sessions the demo writes (48 h plus up to 30 h, plus the
hour of observation and discharge, rounded up)."""
HELD_DAYS = 1.7
"""What a held or stopped session adds to a series at most."""

HELD = "held"
OVERRIDE = "override"
TYPO = "typo"
STOPPED = "stopped"


def schedule(chart: Chart, phase: str, in_days: float) -> None:
    """Books a session about ``in_days`` from the clinical clock, on the first free chair inside opening
    hours from then (``chart.book``); ``chart.booked`` remembers when. The patient comes then: callers
    ``chart.move_to(chart.booked)``."""
    chart.booked, chair = chart.book(chart.later(in_days))
    data = {"phase": phase, "scheduled_for": chart.booked, "chair": chair, "duration_min": DEFAULT_DURATION_MIN}
    chart.record("InfusionScheduled", data, actor=COORDINATOR)


def complete(chart: Chart, phase: str, weight_kg: float) -> None:
    rng = chart.rng
    chart.wait(hours=0.25)
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
    )
    recover(chart, phase)


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
    chart.wait(hours=observed / 120)
    chart.record(
        "DischargeAssessed",
        {"phase": phase, "observation_min": observed, "alert_and_oriented": True, "escort_present": True},
    )


def stopped_session(chart: Chart, phase: str) -> None:
    """Blood pressure climbs during the infusion: the alert is raised, the infusion stopped, the patient
    watched and discharged, the alert worked, and the session rebooked for the next day or so."""
    rng = chart.rng
    vitals(chart)
    chart.wait(hours=0.33)
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
    gap = rng.uniform(1, 1.5)
    schedule(chart, phase, gap)
    chart.wait(days=gap)


def session(chart: Chart, phase: str, weight_kg: float, twist: str | None = None) -> None:
    """One infusion visit that ends with the infusion given."""
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
    complete(chart, phase, weight_kg)


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


def induction(chart: Chart, weight_kg: float, sessions: int, twist: str | None = None, book_next: bool = True) -> None:
    """``sessions`` induction infusions from the clinical clock on; a twist falls on the second one.

    The first session must already be booked. At most ``SESSION_DAYS`` pass between sessions (plus
    ``HELD_DAYS`` once when a session is held); the next one is booked after the last, if asked.
    """
    for k in range(sessions):
        if k == 1 and twist == HELD:
            held_session(chart, "induction")
        if k == 1 and twist == STOPPED:
            stopped_session(chart, "induction")
        session(chart, "induction", weight_kg, twist if k == 1 and twist not in (HELD, STOPPED) else None)
        if k < sessions - 1 or book_next:
            gap = next_gap(chart)
            schedule(chart, "induction", gap)
            if k < sessions - 1:
                chart.move_to(chart.booked)


def series_days(sessions: int, twist: str | None = None) -> float:
    """The longest an ``induction`` call of this many sessions can take."""
    return SESSION_DAYS * max(0, sessions - 1) + (HELD_DAYS if twist in (HELD, STOPPED) else 0) + 0.2


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
