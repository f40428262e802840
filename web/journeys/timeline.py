"""A journey's history as a clinician reads it: events grouped by step, corrections shown beside what
they correct, the induction series with its vitals, and the PHQ-9 points for the trend chart.

Everything is read off the history (the facts), never stored: the page shows what the events say.
Events are shown where they happened (clinical order: ``occurred_at``, ties by version), as the engine
folds them (DESIGN 7.1); one typed after something that happened later is marked as charted late, with
when it was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from careplan.domain.families.chair import total_mg
from careplan.domain.history import History
from careplan.domain.values import Fact
from careplan.domain.vocabulary import STEPS
from web.journeys.summaries import describe

JOURNEY = "journey"
"""The group of events about the journey as a whole: opening, pauses, notes, alerts, migrations."""

BACKFILL = timedelta(hours=1)
"""A record entered more than this after the fact is marked as backfilled."""


@dataclass
class Entry:
    fact: Fact
    step: str
    summary: str
    corrected_by: Fact | None = None
    late: bool = False
    """Charted after something that happened later had been recorded: it took its place in the chart."""

    @property
    def backfilled(self) -> bool:
        return self.fact.recorded_at - self.fact.occurred_at > BACKFILL

    @property
    def system(self) -> bool:
        return self.fact.actor.role == "system"

    @property
    def correctable(self) -> bool:
        """Whether the event may be marked entered in error (the domain's answer, from its class)."""
        return self.fact.payload.about.correctable


@dataclass
class Group:
    step: str
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class SeriesRow:
    """One infusion of a series (done, stopped or held), or the next one waiting, with its vitals
    (before and during it, then the post-infusion ones up to its discharge) and its discharge."""

    number: int | None
    phase: str
    state: str  # completed | stopped | held | pending
    fact: Fact | None
    vitals: tuple[Fact, ...]
    discharge: Fact | None = None

    @property
    def total_mg(self) -> float | None:
        """The milligrams given (dose per kilogram times weight), for a completed infusion."""
        if self.fact is None or self.fact.type != "InfusionCompleted":
            return None
        return total_mg(float(self.fact.data["dose_mg_per_kg"]), float(self.fact.data["weight_kg"]))

    @property
    def awaiting_discharge(self) -> bool:
        return self.state in ("completed", "stopped") and self.discharge is None


@dataclass(frozen=True)
class Point:
    version: int
    at: datetime
    total: int
    item9: int | None
    context: str


def corrections(history: list[Fact]) -> dict[int, Fact]:
    """The correction of each version marked as entered in error (``History``'s answer)."""
    return History(history).corrections


def step_of(fact: Fact, maintenance_from: int | None) -> str:
    """The step an event belongs to (its class says); an event at the chair that names no phase is the
    maintenance's after the maintenance decision, else the induction's; the scheduler's name theirs."""
    payload = fact.payload
    step = payload.belongs_to()
    if step is not None:
        return step
    if payload.about.chair:
        return "maintenance" if maintenance_from is not None and fact.version > maintenance_from else "induction"
    named = fact.data.get("step")
    return str(named) if named in STEPS else JOURNEY


def _maintenance_from(history: list[Fact], errored: dict[int, Fact]) -> int | None:
    for fact in history:
        if fact.type == "ResponseReviewed" and fact.data.get("decision") == "maintenance" and fact.version not in errored:
            return fact.version
    return None


def clinical_order(history: list[Fact]) -> list[Fact]:
    """The history where each event happened: by ``occurred_at``, ties by version (the engine's order)."""
    return sorted(history, key=lambda f: (f.occurred_at, f.version))


def charted_late(history: list[Fact]) -> set[int]:
    """The versions recorded after an event that happened later than they did (history in recording order)."""
    late: set[int] = set()
    latest: datetime | None = None
    for fact in history:
        if latest is not None and fact.occurred_at < latest:
            late.add(fact.version)
        else:
            latest = fact.occurred_at
    return late


def grouped(history: list[Fact]) -> list[Group]:
    """Events grouped by step in the protocol's order (the journey's own events first), each group in
    clinical order, late entries where they happened and marked as such."""
    errored = corrections(history)
    since = _maintenance_from(history, errored)
    late = charted_late(history)
    groups = {name: Group(name) for name in (JOURNEY, *STEPS)}
    for fact in clinical_order(history):
        step = step_of(fact, since)
        groups[step].entries.append(Entry(fact, step, describe(fact), errored.get(fact.version), fact.version in late))
    return [g for g in groups.values() if g.entries]


def entries(history: list[Fact]) -> list[Entry]:
    """Every event in the order it was recorded, with its step and correction."""
    errored = corrections(history)
    since = _maintenance_from(history, errored)
    return [Entry(f, step_of(f, since), describe(f), errored.get(f.version)) for f in history]


def series(history: list[Fact]) -> list[SeriesRow]:
    """Each infusion (induction and maintenance) with the vitals taken since the one before it, read in
    clinical order (a reading charted late sits with the infusion it was taken for)."""
    errored = corrections(history)
    rows: list[SeriesRow] = []
    vitals: list[Fact] = []
    counts = {"induction": 0, "maintenance": 0}
    since = _maintenance_from(history, errored)
    for fact in clinical_order(history):
        if fact.version in errored:
            continue
        settling = rows[-1] if rows and rows[-1].awaiting_discharge else None
        if fact.type == "VitalsRecorded" and settling is not None and fact.data.get("phase") == "post":
            rows[-1] = replace(settling, vitals=(*settling.vitals, fact))
        elif fact.type == "VitalsRecorded":
            vitals.append(fact)
        elif fact.type == "DischargeAssessed" and settling is not None:
            rows[-1] = replace(settling, discharge=fact)
        elif fact.type in ("InfusionCompleted", "InfusionHeld", "InfusionStopped"):
            phase = str(fact.data.get("phase", "induction"))
            number = None
            if fact.type == "InfusionCompleted":
                counts[phase] = counts.get(phase, 0) + 1
                number = counts[phase]
            state = {"InfusionCompleted": "completed", "InfusionHeld": "held", "InfusionStopped": "stopped"}[fact.type]
            rows.append(SeriesRow(number, phase, state, fact, tuple(vitals)))
            vitals = []
    if vitals:
        phase = "maintenance" if since is not None else "induction"
        rows.append(SeriesRow(counts[phase] + 1, phase, "pending", None, tuple(vitals)))
    return rows


def phq9_points(history: list[Fact]) -> list[Point]:
    errored = corrections(history)
    points = []
    for fact in history:
        if fact.type != "AssessmentRecorded" or fact.version in errored or fact.data.get("instrument") != "PHQ9":
            continue
        items = fact.data.get("items") or []
        item9 = int(items[8]) if len(items) >= 9 else None
        points.append(Point(fact.version, fact.occurred_at, int(fact.data["total"]), item9, str(fact.data.get("context", ""))))
    return sorted(points, key=lambda p: (p.at, p.version))
