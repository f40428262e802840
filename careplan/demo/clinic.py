"""The clinic's routine, as the demo writes it: consultation, work-up, baseline, infusions, reviews.

Each episode records what a clinician would enter at that point of the protocol, in an order the
protocol's rules accept (pre-infusion vitals and an escort before every infusion, 48 hours between
infusions, a PHQ-9 before the response review). Timings stay inside the protocol's windows: the
baseline within a week of the first infusion, the whole induction series within its 21 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from careplan.demo.chart import CARE_AREAS, SECOND_CLINICIAN, Chart

MEDICATIONS = (
    {"name": "sertraline", "dose": "100 mg daily", "drug_class": "SSRI"},
    {"name": "venlafaxine", "dose": "150 mg daily", "drug_class": "SNRI"},
    {"name": "mirtazapine", "dose": "30 mg at night", "drug_class": "NaSSA"},
    {"name": "bupropion", "dose": "300 mg daily", "drug_class": "NDRI"},
    {"name": "lithium", "dose": "600 mg daily", "drug_class": "mood stabiliser"},
)
BENZODIAZEPINE = {"name": "clonazepam", "dose": "1 mg twice daily", "drug_class": "benzodiazepine"}
LAB_VALUES = {"hormone": ("cortisol", 280.0), "thyroid": ("TSH", 2.1), "diabetes": ("HbA1c", 38.0)}
SIDE_EFFECTS = ("dissociation", "nausea", "dizziness", "headache", "sedation", "blurred_vision")


@dataclass(frozen=True)
class Workup:
    """Which way the work-up goes for this patient."""

    taper: bool = False
    finding: str | None = None
    override: bool = False
    abnormal_lab: bool = False
    labs_pending: bool = False


def item_scores(rng: Random, total: int, last: int, items: int, top: int) -> list[int]:
    """``items`` scores of 0..``top`` that sum to ``total``, the last (the self-harm item) as given."""
    scores = [0] * (items - 1)
    rest = max(0, min(total - last, top * (items - 1)))
    while rest:
        i = rng.randrange(items - 1)
        if scores[i] < top:
            scores[i] += 1
            rest -= 1
    return scores + [last]


def phq9_items(rng: Random, total: int, item9: int = 0) -> list[int]:
    """Nine item scores 0..3 that sum to ``total``, with item 9 as given."""
    return item_scores(rng, total, item9, 9, 3)


def assess(chart: Chart, total: int, context: str, item9: int = 0) -> int | None:
    """Records a PHQ-9; returns the version of the safety alert it raised, if any."""
    total = max(total, item9)
    items = phq9_items(chart.rng, total, item9)
    chart.record("AssessmentRecorded", {"instrument": "PHQ9", "total": sum(items), "items": items, "context": context})
    return chart.raised_alert()


def madrs_items(rng: Random, total: int, item10: int) -> list[int]:
    """Ten MADRS item scores 0..6 that sum to ``total``, with item 10 (suicidal thoughts) as given."""
    return item_scores(rng, total, item10, 10, 6)


def madrs(chart: Chart, total: int, context: str, item10: int = 0) -> int | None:
    """Records a MADRS, item by item; returns the version of the safety alert it raised, if any (item 10
    at or above the protocol's ``madrs_item10_alert_at_least``)."""
    items = madrs_items(chart.rng, max(total, item10), item10)
    chart.record("AssessmentRecorded", {"instrument": "MADRS", "total": sum(items), "items": items, "context": context})
    return chart.raised_alert()


def acknowledge(
    chart: Chart, alert_version: int, risk: str = "moderate", plan: str = "Safety plan reviewed; crisis line given."
) -> None:
    """A clinician works the alert: a risk assessment and a plan (``high`` keeps infusions refused until
    a later acknowledgement of the same alert says ``low`` or ``moderate``)."""
    chart.wait(hours=chart.rng.uniform(0.2, 3))
    chart.record(
        "SafetyAlertAcknowledged",
        {"alert_version": alert_version, "risk_assessment": risk, "plan": plan},
        reason=plan,
    )


def consult(chart: Chart, eligible: bool = True) -> None:
    rng = chart.rng
    trials = rng.randint(2, 6) if eligible else rng.randint(0, 1)
    chart.record(
        "ConsultationCompleted",
        {
            "eligible": eligible,
            "prior_antidepressant_trials": trials,
            "psychotherapy_tried": rng.random() < 0.8,
            "goals": rng.choice(("Return to work.", "Sleep through the night.", "Enjoy time with family again.")),
        },
    )
    if eligible:
        area = rng.choice(CARE_AREAS)
        chart.record("ComplementaryCareGuidanceGiven", {"area": area, "guidance": f"Agreed a weekly {area} goal."})


def workup(chart: Chart, plan: Workup) -> None:
    """Medication review, contraindication screening and lab panels: at most 6 days after the consultation."""
    rng = chart.rng
    chart.wait(days=rng.uniform(0, 1))
    medications = rng.sample(MEDICATIONS, rng.randint(1, 3)) + ([BENZODIAZEPINE] if plan.taper else [])
    chart.record(
        "MedicationReviewed",
        {
            "medications": medications,
            "benzodiazepine_diazepam_eq_mg": rng.choice((12.0, 15.0, 20.0)) if plan.taper else 0.0,
            "taper_required": plan.taper,
        },
    )
    chart.record("ContraindicationScreened", {"findings": [plan.finding] if plan.finding else []})
    if chart.protocol.has_step("consent"):  # version 2: informed consent before induction (DESIGN 7.6)
        chart.record("ConsentRecorded", {"form_version": "2026-01", "signed": True, "witness": "Nurse on duty"})
    if plan.finding and plan.override:
        override(chart, plan.finding)
    panels = chart.protocol.lab_panels
    for panel in panels:
        chart.record("ScreeningOrdered", {"panel": panel})  # a clinical order: the clinician's (careplan.domain.roles)
    chart.wait(days=rng.uniform(1, 4))
    resulted = panels[:-1] if plan.labs_pending else panels
    for i, panel in enumerate(resulted):
        name, value = LAB_VALUES.get(panel, ("value", 1.0))
        abnormal = plan.abnormal_lab and i == 0
        chart.record(
            "ScreeningResulted",
            {"panel": panel, "abnormal": abnormal, "values": {name: round(value * (1.8 if abnormal else 1.0), 1)}},
        )


ABSOLUTE_OVERRIDE_REASONS = {
    "psychotic_disorder": (
        "One substance-induced psychotic episode 20 years ago, none since; psychiatric review: benefit outweighs risk.",
        "Second opinion: agree. No psychotic symptoms in 20 years; watch for perceptual change at each infusion.",
    ),
}
"""The two clinicians' reasons for overriding an absolute finding (the first's, then the colleague's)."""
SECOND_OPINION = (
    "Specialist review: benefit outweighs risk for this patient.",
    "Second opinion: agree with the specialist review; benefit outweighs risk.",
)


def override(chart: Chart, finding: str) -> None:
    """A clinician overrides the finding with a reason, within a day of the screening. An absolute
    contraindication stays blocking until a second, different clinician records the same override, so
    a colleague reviews it within the same day (the rule refuses the first clinician twice)."""
    rng = chart.rng
    if finding not in chart.protocol.contraindications.absolute:
        chart.wait(days=rng.uniform(0, 1))
        chart.record(
            "ContraindicationOverridden",
            {"finding": finding},
            reason="Specialist review: condition stable and managed; benefit outweighs risk.",
        )
        return
    first, second = ABSOLUTE_OVERRIDE_REASONS.get(finding, SECOND_OPINION)
    chart.wait(days=rng.uniform(0, 0.5))
    chart.record("ContraindicationOverridden", {"finding": finding}, reason=first)
    chart.wait(days=rng.uniform(0.05, 0.5))
    chart.record("ContraindicationOverridden", {"finding": finding}, actor=SECOND_CLINICIAN, reason=second)


def baseline(chart: Chart, total: int, item9: int = 0) -> int | None:
    """The baseline PHQ-9 that opens the way to induction; returns a raised alert's version."""
    chart.wait(days=chart.rng.uniform(0.5, 2))
    return assess(chart, total, "baseline", item9)


def vitals(chart: Chart, high: bool = False) -> None:
    rng = chart.rng
    systolic, diastolic = (rng.randint(146, 165), rng.randint(92, 100)) if high else (rng.randint(108, 134), rng.randint(66, 86))
    chart.record(
        "VitalsRecorded",
        {"phase": "pre", "systolic": systolic, "diastolic": diastolic, "heart_rate": rng.randint(58, 92), "spo2": rng.randint(95, 99)},
    )

