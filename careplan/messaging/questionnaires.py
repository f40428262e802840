"""Questionnaires by link: a clinician's "send now", and the patient's page reading and answering one.

The link's token is checked against the hash its ``QuestionnaireSent`` kept; a token that names no
link, or a link that expired or was answered, records nothing. The answers go through the journey's
own rules as an ``AssessmentRecorded`` by the patient (``context`` ``remote``): the assessment's rule
holds the patient to an open link and to its instrument, and a self-harm answer raises the alert in
the same save, as a clinician's entry would.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from careplan.application import CarePlan
from careplan.domain.errors import UnknownJourney
from careplan.domain.journey import PatientJourney
from careplan.domain.roles import PATIENT_ACTOR
from careplan.domain.values import Actor
from careplan.messaging.addresses import complete
from careplan.messaging.links import journey_of, token_hash

INSTRUMENTS = ("PHQ9", "GAD7")


@dataclass(frozen=True)
class Link:
    """What a token opens: its journey and link key, the instrument, and whether it can be answered."""

    journey_id: UUID
    key: str
    instrument: str
    state: str
    """``open``, ``expired`` or ``used``."""


@dataclass(frozen=True)
class Answered:
    alert: bool
    """Whether the answers raised a self-harm alert (the page then shows the crisis line)."""


def send_now(app: CarePlan, journey_id: UUID, instrument: str, *, actor: Actor) -> dict[str, Any]:
    """Records a link for ``instrument`` now, at a clinician's request; the scheduler's next sweep
    queues its message. Returns the recorded event's data (the token hash, never the token)."""
    if instrument not in INSTRUMENTS:
        raise ValueError(instrument)
    recorded: list[dict[str, Any]] = []

    def command(journey: PatientJourney, now: datetime) -> None:
        record = journey.clinical_record(app.protocol)
        hours = record.protocol.questionnaires.link_valid_hours
        key = f"questionnaire:{instrument}:request:{journey.version + 1}"
        data = {"instrument": instrument, "key": key, "expires_at": (now + timedelta(hours=hours)).isoformat()}
        data = complete(app, journey, "QuestionnaireSent", data)
        journey.send_questionnaire(data, actor=actor, now=now)
        recorded[:] = [data]

    app.change(journey_id, command, None)
    return recorded[0]


def open_link(app: CarePlan, token: str, now: datetime) -> Link | None:
    """The link a token opens, or None when it opens none (the page says so, and records nothing)."""
    journey_id = journey_of(token)
    if journey_id is None:
        return None
    try:
        journey = app.get(journey_id)
    except UnknownJourney:
        return None
    digest = token_hash(token)
    for key, link in journey.chart.questionnaires.items():
        if hmac.compare_digest(str(link["token_hash"]), digest):
            if link.get("answered") is not None:
                state = "used"
            elif now >= datetime.fromisoformat(link["expires_at"]) or journey.chart.closed is not None:
                state = "expired"
            else:
                state = "open"
            return Link(journey_id, key, str(link["instrument"]), state)
    return None


def answer(app: CarePlan, link: Link, answers: list[int]) -> Answered:
    """Records the patient's answers through the journey's rules; RuleViolation when the link was
    used or expired meanwhile (``link_used``, ``link_expired``), InvalidEvent for answers out of range."""
    raised: list[bool] = []

    def command(journey: PatientJourney, now: datetime) -> None:
        data = {
            "instrument": link.instrument,
            "total": sum(answers),
            "items": list(answers),
            "context": "remote",
            "questionnaire": link.key,
        }
        before = len(journey.chart.alerts)
        journey.record(
            "AssessmentRecorded", data, actor=PATIENT_ACTOR, occurred_at=now, reason=None, now=now, resolve=app.protocol
        )
        raised[:] = [any(a.kind == "self_harm" for a in journey.chart.alerts[before:])]

    app.change(link.journey_id, command, None)
    return Answered(alert=bool(raised and raised[0]))
