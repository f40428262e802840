"""The chair around the infusion: dose checks, recent and safe pre-vitals, monitoring alerts, and
whether the previous infusion was discharged before the next one (``aftercare`` holds the discharge).

Every number comes from the protocol's ``dose`` and ``monitoring`` sections. These are safety rules:
none of them is deviable (DESIGN.md 6.3).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from careplan.domain.codes import VitalsPhase
from careplan.domain.errors import RuleViolation
from careplan.domain.families.alerts import SafetyAlertRaised
from careplan.domain.payload import Payload
from careplan.domain.protocol import MonitoringSettings
from careplan.domain.record import ClinicalRecord, Vitals
from careplan.domain.values import Fact, moment

# -- monitoring alerts ------------------------------------------------------------------------------


def alarming(v: Vitals, m: MonitoringSettings) -> list[str]:
    """What in a reading is at or beyond the protocol's alert thresholds, as short phrases."""
    found = []
    if v.systolic >= m.alert_systolic_at_least or v.diastolic >= m.alert_diastolic_at_least:
        found.append(f"blood pressure {v.systolic}/{v.diastolic}")
    return found + alarming_pulse(v, m)


def alarming_pulse(v: Vitals, m: MonitoringSettings) -> list[str]:
    """Heart rate and SpO2 beyond the alert thresholds (blood pressure has its own, lower, pre-infusion hold)."""
    found = []
    if v.heart_rate is not None and v.heart_rate > m.alert_heart_rate_above:
        found.append(f"heart rate {v.heart_rate}")
    if v.spo2 is not None and v.spo2 < m.alert_spo2_below:
        found.append(f"SpO2 {v.spo2} %")
    return found


def vitals_of(p: Payload, f: Fact, protocol_version: int) -> Vitals:
    d = p.as_data()
    return Vitals(
        f.version, f.occurred_at, d["systolic"], d["diastolic"], protocol_version, d["heart_rate"], d.get("spo2")
    )


def fold_post_vitals(r: ClinicalRecord, vitals: Vitals) -> None:
    """Post-infusion vitals taken after the infusion ended count towards its discharge: each is kept
    with its time, since a discharge relies on the latest one taken before it."""
    settling = r.awaiting_discharge
    if settling is not None and vitals.occurred_at >= settling.ended_at:
        readings = tuple(sorted((*settling.post_readings, vitals), key=lambda v: (v.occurred_at, v.version)))
        r.awaiting_discharge = replace(settling, post_vitals=readings[-1], post_readings=readings)


def vitals_alert(r: ClinicalRecord, p: Payload, f: Fact) -> list[Payload]:
    """During or after an infusion, a reading at an alert threshold raises a safety alert."""
    phase = str(p.as_data()["phase"])
    if phase not in (VitalsPhase.DURING.value, VitalsPhase.POST.value):
        return []
    found = alarming(vitals_of(p, f, r.protocol_version), r.protocol.monitoring)
    if not found:
        return []
    return [
        SafetyAlertRaised(
            kind="vitals",
            reason=f"{phase.capitalize()}-infusion {', '.join(found)}: at an alert threshold.",
            source_version=f.version,
            key=f"alert:vitals:{f.version}",
            step=str(r.awaiting_discharge.phase) if r.awaiting_discharge else None,
        )
    ]


# -- checks on InfusionCompleted --------------------------------------------------------------------


def require_discharged(r: ClinicalRecord, start: datetime | None = None) -> None:
    """The previous administration was discharged before this one started (``start``; None: now)."""
    settling = r.awaiting_discharge
    if settling is not None and (start is None or settling.ended_at <= start):
        raise RuleViolation(
            "discharge_pending",
            f"The infusion of {moment(settling.ended_at)} has no discharge assessment yet: record it first.",
        )
    if start is None:
        return
    before = [g for g in r.administrations() if g.occurred_at <= start and str(g.version) in r.discharged_at]
    late = [g for g in before if r.discharged_at[str(g.version)] > start]
    if late:
        raise RuleViolation(
            "discharge_pending",
            f"The infusion of {moment(late[-1].occurred_at)} was discharged only at "
            f"{moment(r.discharged_at[str(late[-1].version)])}, after this infusion started.",
        )


def require_recent_pre_vitals(r: ClinicalRecord, vitals: Vitals, start: datetime) -> None:
    """The pre-infusion reading an infusion stands on is no older than the protocol allows at its
    ``start``, with heart rate and SpO2 in range."""
    m = r.protocol.monitoring
    if start - vitals.occurred_at > timedelta(hours=m.pre_vitals_max_age_hours):
        raise RuleViolation(
            "vitals_stale",
            f"Pre-infusion vitals of {moment(vitals.occurred_at)} were older than "
            f"{m.pre_vitals_max_age_hours:g} h when the infusion started ({moment(start)}): record new ones.",
        )
    m = r.protocol_at(vitals.protocol_version).monitoring
    out = alarming_pulse(vitals, m)
    if out:
        raise RuleViolation(
            "vitals_out_of_range",
            f"Pre-infusion {', '.join(out)} beyond the protocol's limits (heart rate above "
            f"{m.alert_heart_rate_above}, SpO2 below {m.alert_spo2_below} %): record new vitals or hold the infusion.",
        )


def require_dose(r: ClinicalRecord, dose_mg_per_kg: float, duration_min: int) -> None:
    d = r.protocol.dose
    if not d.mg_per_kg_min <= dose_mg_per_kg <= d.mg_per_kg_max:
        raise RuleViolation(
            "dose_out_of_range",
            f"A dose of {dose_mg_per_kg:g} mg/kg is outside the protocol's {d.mg_per_kg_min:g} to "
            f"{d.mg_per_kg_max:g} mg/kg.",
        )
    if duration_min < d.duration_min_at_least:
        raise RuleViolation(
            "infusion_too_fast",
            f"An infusion over {duration_min} min is faster than the protocol allows: at least "
            f"{d.duration_min_at_least} min.",
        )


def total_mg(dose_mg_per_kg: float, weight_kg: float) -> float:
    """The milligrams given: the dose per kilogram times the weight, to one decimal."""
    return round(dose_mg_per_kg * weight_kg, 1)


# -- what the view shows ----------------------------------------------------------------------------


def chair_flags(r: ClinicalRecord) -> dict[str, list[tuple[str, str]]]:
    """The flags the chair puts on the induction or maintenance step: ``discharge_pending`` while an
    infusion awaits its discharge, and ``weight_changed`` for each infusion (of the current induction
    series, or of maintenance) whose weight differs from the infusion before it by more than the
    protocol's percentage; the flag stays for the series, so a later infusion does not hide it."""
    flags: dict[str, list[tuple[str, str]]] = {}
    settling = r.awaiting_discharge
    if settling is not None:
        flags.setdefault(settling.phase, []).append(
            ("discharge_pending", f"Infusion of {moment(settling.ended_at)} awaits its discharge assessment.")
        )
    for phase, reason in weight_changes(r):
        flags.setdefault(phase, []).append(("weight_changed", reason))
    return flags


def weight_changes(r: ClinicalRecord) -> list[tuple[str, str]]:
    """(phase, reason) for each infusion of the current induction series or of maintenance whose
    weight differs from the previous weighed infusion's (of any phase) by more than
    ``weight_change_flag_pct``."""
    pct = r.protocol.dose.weight_change_flag_pct
    runs = {"induction": r.current_series(), "maintenance": r.maintenance_infusions()}
    counted = {i.version: (phase, n) for phase, run in runs.items() for n, i in enumerate(run, start=1)}
    changes = []
    weighed = [i for i in sorted(r.infusions, key=lambda i: i.occurred_at) if i.weight_kg]
    for before, infusion in zip(weighed, weighed[1:]):
        if infusion.version not in counted:
            continue
        previous, weight = before.weight_kg or 0, infusion.weight_kg or 0
        if abs(weight - previous) * 100 > pct * previous:
            phase, n = counted[infusion.version]
            changes.append(
                (
                    phase,
                    f"{phase.capitalize()} infusion {n} ({infusion.occurred_at:%Y-%m-%d}): weight {weight:g} kg "
                    f"differs from the previous infusion's {previous:g} kg by more than {pct:g} %: check it.",
                )
            )
    return changes
