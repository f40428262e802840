"""One administration as a session record (DESIGN 7.3): what a chart printout of an infusion holds.

Read from the history in clinical time, whatever order it was typed in: an infusion's end is its
``occurred_at`` and its start the end less ``duration_min`` (a stop: less ``minutes_given``); the
pre-infusion readings are those after the previous administration and up to the start, the readings
during it lie between start and end, and the post readings between the end and the discharge (or
the next administration). Events entered in error are left out, as every reader leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from careplan.domain.catalogue import ADMINISTRATIONS
from careplan.domain.families.chair import total_mg
from careplan.domain.history import History
from careplan.domain.values import Actor, Fact


@dataclass(frozen=True)
class Reading:
    phase: str
    at: datetime
    systolic: int
    diastolic: int
    heart_rate: int
    spo2: int | None
    by: Actor


@dataclass(frozen=True)
class Discharge:
    at: datetime
    observed_min: int
    """Measured: minutes from the end of the infusion to the discharge."""
    stated_min: int
    alert_and_oriented: bool
    escort_present: bool
    by: Actor


@dataclass(frozen=True)
class SessionRecord:
    version: int
    number: int
    """Which administration of the journey this is (1 for the first), stopped ones counted."""
    phase: str
    stopped: bool
    start: datetime
    end: datetime
    minutes: int
    dose_mg_per_kg: float | None
    weight_kg: float | None
    escort_confirmed: bool | None
    side_effects: tuple[str, ...]
    stop_cause: str | None
    given_by: Actor
    recorded_at: datetime
    readings: tuple[Reading, ...]
    alerts: tuple[str, ...]
    discharge: Discharge | None

    @property
    def total_mg(self) -> float | None:
        if self.dose_mg_per_kg is None or self.weight_kg is None:
            return None
        return total_mg(self.dose_mg_per_kg, self.weight_kg)

    def phase_readings(self, phase: str) -> list[Reading]:
        return [r for r in self.readings if r.phase == phase]


def _bounds(fact: Fact) -> tuple[datetime, datetime, int]:
    minutes = int(fact.data["duration_min"] if fact.type == "InfusionCompleted" else fact.data["minutes_given"])
    return fact.occurred_at - timedelta(minutes=minutes), fact.occurred_at, minutes


def _clinical(facts: list[Fact]) -> list[Fact]:
    return sorted(facts, key=lambda f: (f.occurred_at, f.version))


def session_record(history: History, version: int) -> SessionRecord | None:
    """The session record of the administration recorded at ``version``; None if that version is not
    a live administration."""
    given = _clinical(history.of_type(*ADMINISTRATIONS))
    at = next((i for i, f in enumerate(given) if f.version == version), None)
    if at is None:
        return None
    fact = given[at]
    start, end, minutes = _bounds(fact)
    previous_end = _bounds(given[at - 1])[1] if at > 0 else None
    next_start = _bounds(given[at + 1])[0] if at + 1 < len(given) else None
    discharges = [
        d for d in _clinical(history.of_type("DischargeAssessed"))
        if d.occurred_at >= end and (next_start is None or d.occurred_at <= next_start)
    ]
    discharge = discharges[0] if discharges else None
    post_until = discharge.occurred_at if discharge else next_start
    readings = []
    for v in _clinical(history.of_type("VitalsRecorded")):
        phase, when = v.data["phase"], v.occurred_at
        keep = (
            (phase == "pre" and when <= start and (previous_end is None or when > previous_end))
            or (phase == "during" and start <= when <= end)
            or (phase == "post" and when >= end and (post_until is None or when <= post_until))
        )
        if keep:
            readings.append(
                Reading(phase, when, v.data["systolic"], v.data["diastolic"], v.data["heart_rate"], v.data.get("spo2"), v.actor)
            )
    window_end = post_until or end
    alerts = tuple(
        a.data["reason"] for a in _clinical(history.of_type("SafetyAlertRaised"))
        if a.data.get("kind") == "vitals" and start <= a.occurred_at <= window_end
    )
    completed = fact.type == "InfusionCompleted"
    return SessionRecord(
        version=fact.version,
        number=at + 1,
        phase=str(fact.data.get("phase", "")),
        stopped=not completed,
        start=start,
        end=end,
        minutes=minutes,
        dose_mg_per_kg=float(fact.data["dose_mg_per_kg"]) if completed else None,
        weight_kg=float(fact.data["weight_kg"]) if completed else None,
        escort_confirmed=bool(fact.data["escort_confirmed"]) if completed else None,
        side_effects=tuple(fact.data.get("side_effects") or ()) if completed else (),
        stop_cause=None if completed else str(fact.data.get("cause")),
        given_by=fact.actor,
        recorded_at=fact.recorded_at,
        readings=tuple(readings),
        alerts=alerts,
        discharge=(
            Discharge(
                at=discharge.occurred_at,
                observed_min=int((discharge.occurred_at - end).total_seconds() // 60),
                stated_min=int(discharge.data["observation_min"]),
                alert_and_oriented=bool(discharge.data["alert_and_oriented"]),
                escort_present=bool(discharge.data["escort_present"]),
                by=discharge.actor,
            )
            if discharge
            else None
        ),
    )


def administrations(history: History) -> list[int]:
    """The versions of the journey's live administrations, in clinical order."""
    return [f.version for f in _clinical(history.of_type(*ADMINISTRATIONS))]
