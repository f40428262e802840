"""An infusion's safety read straight off the history in clinical order, independently of the fold.

The property tests judge every accepted infusion with this checker, which knows nothing of the
clinical record: it sorts the live events by ``occurred_at`` (ties by version) and asks the questions
a clinical reviewer asks of the chart (issue 19, "Done when"). A problem it finds that the rules let
through is a gap in the rules.

``PENDING`` names the checks whose rules are still being built (DESIGN 7.1, another branch): they
are skipped until that branch merges; remove a name from it as its rule lands, and the property
tests hold the rules to it from then on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from careplan.domain.protocol import Protocol
from careplan.domain.values import Fact

PENDING: frozenset[str] = frozenset()
ADMINISTRATIONS = ("InfusionCompleted", "InfusionStopped")
Resolve = Callable[[str, int], Protocol]


def clinical(history: list[Fact]) -> list[Fact]:
    """The live events (those not entered in error) in clinical order."""
    errored = {int(f.data["target_version"]) for f in history if f.type == "EventEnteredInError"}
    return sorted((f for f in history if f.version not in errored), key=lambda f: (f.occurred_at, f.version))


def start_of(fact: Fact) -> datetime:
    minutes = fact.data["duration_min"] if fact.type == "InfusionCompleted" else fact.data["minutes_given"]
    return fact.occurred_at - timedelta(minutes=minutes)


def problems(history: list[Fact], version: int, resolve: Resolve, pending: frozenset[str] = PENDING) -> list[str]:
    """What a safety rule should have refused in the infusion at ``version``, judged on the events
    before it in clinical order; empty when it was safe (or when it is not live)."""
    live = clinical(history)
    at = next((i for i, f in enumerate(live) if f.version == version), None)
    if at is None:
        return []
    infusion, before = live[at], live[:at]
    protocol = _protocol_at(before, resolve)
    start = start_of(infusion) if "pre_vitals_before_start" not in pending else infusion.occurred_at
    found = _dose(infusion, protocol)
    found += _pre_vitals(before, start, protocol, resolve, pending)
    found += _previous(before, infusion, protocol, pending)
    found += _findings(before, protocol, pending)
    found += _alerts(before, start_of(infusion))  # judged at its start (DESIGN 7.9)
    return found


def _protocol_at(before: list[Fact], resolve: Resolve) -> Protocol:
    opened = next(f for f in before if f.type == "JourneyOpened").data
    version = opened["protocol_version"]
    for fact in before:
        if fact.type == "ProtocolMigrated":
            version = fact.data["to_version"]
    return resolve(opened["protocol"], version)


def _dose(infusion: Fact, protocol: Protocol) -> list[str]:
    if infusion.type != "InfusionCompleted":
        return []
    data, dose = infusion.data, protocol.dose
    found = []
    if not data["escort_confirmed"]:
        found.append("no escort")
    if not dose.mg_per_kg_min <= data["dose_mg_per_kg"] <= dose.mg_per_kg_max:
        found.append("dose out of range")
    if data["duration_min"] < dose.duration_min_at_least:
        found.append("too fast")
    return found


def _since_last_administration(before: list[Fact]) -> list[Fact]:
    ends = [i for i, f in enumerate(before) if f.type in ADMINISTRATIONS or f.type == "InfusionHeld"]
    return before[ends[-1] + 1 :] if ends else before


def _pre_vitals(
    before: list[Fact], start: datetime, protocol: Protocol, resolve: Resolve, pending: frozenset[str]
) -> list[str]:
    since = _since_last_administration(before)
    readings = [
        (i, f) for i, f in enumerate(since)
        if f.type == "VitalsRecorded" and f.data["phase"] == "pre" and f.occurred_at <= start
    ]
    if not readings:
        return ["no pre-infusion vitals before the start"]
    index, pre = readings[-1]
    m, data = protocol.monitoring, pre.data
    found = []
    if start - pre.occurred_at > timedelta(hours=m.pre_vitals_max_age_hours):
        found.append("pre-infusion vitals stale")
    taken_under = _protocol_at([f for f in before if (f.occurred_at, f.version) <= (pre.occurred_at, pre.version)], resolve)
    if data["heart_rate"] > taken_under.monitoring.alert_heart_rate_above:
        found.append("pre-infusion heart rate out of range")
    if data.get("spo2") is not None and data["spo2"] < taken_under.monitoring.alert_spo2_below:
        found.append("pre-infusion SpO2 out of range")
    safety = taken_under.safety
    if data["systolic"] >= safety.bp_hold_systolic or data["diastolic"] >= safety.bp_hold_diastolic:
        if not [f for f in since[index + 1 :] if f.type == "HoldOverridden"]:
            found.append("blood-pressure hold not lifted")
        m2 = taken_under.monitoring
        ceiling = (getattr(m2, "pre_hold_ceiling_systolic", 180), getattr(m2, "pre_hold_ceiling_diastolic", 110))
        if "hold_ceiling" not in pending and (data["systolic"] >= ceiling[0] or data["diastolic"] >= ceiling[1]):
            found.append("hold above the ceiling overridden")
    return found


def _previous(before: list[Fact], infusion: Fact, protocol: Protocol, pending: frozenset[str]) -> list[str]:
    given = [i for i, f in enumerate(before) if f.type in ADMINISTRATIONS]
    if not given:
        return []
    previous = before[given[-1]]
    discharges = [f for f in before[given[-1] + 1 :] if f.type == "DischargeAssessed"]
    found = [] if discharges else ["previous administration not discharged"]
    observed = timedelta(minutes=protocol.monitoring.observation_min_at_least)
    if discharges and "observation_measured" not in pending and discharges[-1].occurred_at - previous.occurred_at < observed:
        found.append("previous discharge before its observation time")
    floor = timedelta(hours=getattr(protocol.dose, "min_hours_between_administrations", 24))
    if "administration_floor" not in pending and start_of(infusion) - previous.occurred_at < floor:
        found.append("less than the floor since the previous administration")
    return found


def _findings(before: list[Fact], protocol: Protocol, pending: frozenset[str]) -> list[str]:
    findings: set[str] = set()
    overriders: dict[str, set[str]] = {}
    for fact in before:
        if fact.type == "ContraindicationScreened":
            findings = set(fact.data["findings"])
            tied = "overrides_tied_to_screening" not in pending
            overriders = {} if tied else {k: v for k, v in overriders.items() if k in findings}
        elif fact.type == "ContraindicationOverridden":
            overriders.setdefault(fact.data["finding"], set()).add(fact.actor.id)
    absolute = set(protocol.contraindications.absolute)
    return [
        f"{finding} not cleared"
        for finding in sorted(findings)
        if len(overriders.get(finding, set())) < (2 if finding in absolute else 1)
    ]


def _alerts(before: list[Fact], raised_before: datetime | None) -> list[str]:
    risk: dict[int, str | None] = {}
    for fact in before:
        if fact.type == "SafetyAlertRaised" and (raised_before is None or fact.occurred_at < raised_before):
            risk[fact.version] = None
        elif (
            fact.type == "SafetyAlertAcknowledged" and fact.data["alert_version"] in risk
            and (raised_before is None or fact.occurred_at <= raised_before)
        ):
            risk[fact.data["alert_version"]] = fact.data.get("risk_assessment") or "low"
    return [f"alert {v} open" for v, level in sorted(risk.items()) if level in (None, "high")]
