"""The few facts of a journey that the outcomes report reads, each with both of its times.

A journey's history is mostly vitals, reminders, notes and bookings; the report needs a dozen kinds of
event out of it. Each is kept as a short list ``[kind, version, recorded_ts, occurred_ts, a, b]`` (times
as epoch seconds): ``recorded_ts`` says from when it was known (``--as-of``), ``occurred_ts`` where it
stands in clinical order, and a correction is kept as a fact too (``ERRORED``, naming the version it
withdraws), so the report can leave a correction out on days before it was made.
"""

from __future__ import annotations

from typing import Any

from careplan.demo.chart import CLINICIAN, COORDINATOR
from careplan.domain.values import Fact

DEMO_ACTORS = frozenset({CLINICIAN.id, COORDINATOR.id})
"""Who opens the demo's journeys: a course they opened is synthetic, and the report says so."""

OPENED, MIGRATED, CONSULTED, COMPLETED, STOPPED = "open", "migrate", "consult", "infusion", "stop"
PHQ9, REVIEWED, VITALS_ALERT, DEVIATION, ERRORED, CLOSED = "phq9", "review", "vitals_alert", "deviation", "errored", "close"

OutcomeFact = list[Any]
"""``[kind, version, recorded_ts, occurred_ts, a, b]``: what ``a`` and ``b`` hold depends on the kind
(an opening adds whether the demo wrote it)."""


def facts_of(change: Fact) -> list[OutcomeFact]:
    """The outcome facts of one stored journey event (most events give none)."""
    kind, data = change.type, change.data
    head = [change.version, change.recorded_at.timestamp(), change.occurred_at.timestamp()]
    found: list[OutcomeFact] = []
    if kind == "JourneyOpened":
        synthetic = change.actor.id in DEMO_ACTORS
        found.append([OPENED, *head, data["protocol"], int(data["protocol_version"]), synthetic])
    elif kind == "ConsultationCompleted":
        found.append([CONSULTED, *head, bool(data.get("eligible")), None])
    elif kind == "InfusionCompleted":
        found.append([COMPLETED, *head, data.get("phase"), int(data.get("duration_min") or 0)])
    elif kind == "InfusionStopped":
        found.append([STOPPED, *head, data.get("phase"), [data.get("cause"), int(data.get("minutes_given") or 0)]])
    elif kind == "AssessmentRecorded" and data.get("instrument") == "PHQ9":
        found.append([PHQ9, *head, int(data["total"]), data.get("context")])
    elif kind == "ResponseReviewed":
        found.append([REVIEWED, *head, data.get("decision"), None])
    elif kind == "SafetyAlertRaised" and data.get("kind") == "vitals":
        found.append([VITALS_ALERT, *head, None, None])
    elif kind == "EventEnteredInError":
        found.append([ERRORED, *head, int(data["target_version"]), None])
    elif kind == "ProtocolMigrated":
        found.append([MIGRATED, *head, data.get("protocol"), int(data["to_version"])])
    elif kind == "JourneyClosed":
        found.append([CLOSED, *head, data.get("outcome"), None])
    if change.deviation:
        found.append([DEVIATION, *head, None, None])
    return found
