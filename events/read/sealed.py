"""The sealed payload of a journey's row: its summary as JSON, encrypted with the application's cipher.

Everything a page shows (the patient reference, flags and their reasons, alert counts) travels in this
one blob, so an encrypted store holds no clinical text in a clear column of the read model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from careplan.application import CarePlan
from events.read.summary import JourneySummary, StepSummary


def seal(app: CarePlan, summary: JourneySummary) -> bytes:
    plain = orjson.dumps(_payload(summary))  # a row per changed journey per catch-up: C, not json
    cipher = app.mapper.cipher
    return cipher.encrypt(plain) if cipher else plain


def unseal(app: CarePlan, blob: bytes | memoryview) -> JourneySummary:
    data = bytes(blob)
    cipher = app.mapper.cipher
    return _summary(orjson.loads(cipher.decrypt(data) if cipher else data))


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
