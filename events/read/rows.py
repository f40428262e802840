"""A journey turned into the rows of the read model: its summary, one row per step, its due-index entry.

The rows are a pure function of the journey's history: the view is judged at the moment of the last
recorded event, never at the projector's clock, so a view rebuilt tomorrow equals the one kept up to
date today. What depends on the clock (due today, overdue) is left to the queries, which compare the
stored due times with ``now``.

Patient references never sit in the tables in clear when the application has a cipher: the summary
is stored as one encrypted blob, and search goes through a keyed hash of the reference.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from careplan.application import CarePlan
from careplan.domain.duties import DUE_LEAD, next_duty_at
from careplan.domain.families.appointments import missed
from careplan.domain.journey import PatientJourney
from careplan.domain.view import OPEN, JourneyView, evaluate
from careplan.domain.vocabulary import ON_HOLD
from events.read.summary import JourneySummary, StepSummary, summarize


@dataclass(frozen=True)
class JourneyRows:
    journey_id: str
    version: int
    journey: tuple[Any, ...]
    steps: list[tuple[Any, ...]]
    due: tuple[Any, ...]


def rows_for(app: CarePlan, journey: PatientJourney) -> JourneyRows:
    moment = journey.modified_on
    record = journey.clinical_record(app.protocol)
    view = evaluate(record, moment)
    summary = summarize(journey, view)
    jid = str(journey.id)
    grace = timedelta(days=record.protocol.maintenance.grace_days)
    steps = []
    for name, step in view.steps.items():
        active = int(view.status == "active" and step.status in OPEN)
        due = step.due_at
        late = None if due is None else due + (grace if name == "maintenance" else timedelta(0))
        if active and name in ("induction", "maintenance") and missed(record, name):
            # A missed booking puts the step on the overdue list from the booked time.
            booked = missed(record, name)[0].scheduled_for
            due, late = due or booked, min(late or booked, booked)
        blocked = next((f.reason for f in step.flags if f.kind == "blocked"), None)
        steps.append((jid, name, step.status, active, _ts(due), _ts(due - DUE_LEAD if due else None), _ts(late), blocked))
    steps += deviation_rows(jid, view)
    on_hold = int(view.status == "paused" or any(s.status == ON_HOLD for s in view.steps.values()))
    row = (
        jid,
        journey.version,
        view.status,
        journey.protocol_id,
        journey.protocol_version,
        summary.current_step,
        _ts(summary.opened_at),
        _ts(summary.updated_at),
        summary.open_alerts,
        on_hold,
        patient_key(app, journey.patient_ref),
        seal(app, summary),
    )
    due_row = (jid, journey.version, _ts(next_duty_at(record, view, moment)))
    return JourneyRows(jid, journey.version, row, steps, due_row)


def deviation_rows(jid: str, view: JourneyView) -> list[tuple[Any, ...]]:
    """One inactive marker row per step with a ``deviation`` flag (step ``deviation:<step>``, status
    ``deviation``, the latest reason): the ``deviations`` worklist selects journeys that have one.
    Inactive, so no other worklist sees it; a marker row rather than a new column keeps the tables."""
    rows = []
    for name, step in view.steps.items():
        reasons = [f.reason for f in step.flags if f.kind == "deviation"]
        if reasons:
            rows.append((jid, f"deviation:{name}", "deviation", 0, None, None, None, reasons[-1]))
    return rows


def _ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def patient_key(app: CarePlan, patient_ref: str) -> str:
    """A keyed hash of the reference: exact search works, the table never shows the reference."""
    secret = (app.store.cipher_key or "careplan-read-side").encode()
    return hmac.new(secret, patient_ref.strip().encode(), hashlib.sha256).hexdigest()[:40]


def seal(app: CarePlan, summary: JourneySummary) -> bytes:
    plain = json.dumps(_payload(summary), separators=(",", ":")).encode()
    cipher = app.mapper.cipher
    return cipher.encrypt(plain) if cipher else plain


def unseal(app: CarePlan, blob: bytes | memoryview) -> JourneySummary:
    data = bytes(blob)
    cipher = app.mapper.cipher
    return _summary(json.loads(cipher.decrypt(data) if cipher else data))


def _payload(s: JourneySummary) -> dict[str, Any]:
    return {
        "journey_id": str(s.journey_id),
        "patient_ref": s.patient_ref,
        "protocol": s.protocol,
        "protocol_version": s.protocol_version,
        "version": s.version,
        "status": s.status,
        "opened_at": s.opened_at.isoformat(),
        "updated_at": s.updated_at.isoformat(),
        "steps": {
            name: [st.status, st.due_at.isoformat() if st.due_at else None, [list(f) for f in st.flags]]
            for name, st in s.steps.items()
        },
        "induction_done": s.induction_done,
        "induction_target": s.induction_target,
        "maintenance_done": s.maintenance_done,
        "open_alerts": s.open_alerts,
        "classification": s.classification,
        "next_action": s.next_action,
        "next_due_at": s.next_due_at.isoformat() if s.next_due_at else None,
    }


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _summary(d: dict[str, Any]) -> JourneySummary:
    steps = {
        name: StepSummary(status, _time(due), tuple((k, r) for k, r in flags))
        for name, (status, due, flags) in d["steps"].items()
    }
    return JourneySummary(
        journey_id=UUID(d["journey_id"]),
        patient_ref=d["patient_ref"],
        protocol=d["protocol"],
        protocol_version=d["protocol_version"],
        version=d["version"],
        status=d["status"],
        opened_at=datetime.fromisoformat(d["opened_at"]),
        updated_at=datetime.fromisoformat(d["updated_at"]),
        steps=steps,
        induction_done=d["induction_done"],
        induction_target=d["induction_target"],
        maintenance_done=d["maintenance_done"],
        open_alerts=d["open_alerts"],
        classification=d["classification"],
        next_action=d["next_action"],
        next_due_at=_time(d["next_due_at"]),
    )
