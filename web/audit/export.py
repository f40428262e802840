"""A journey's history as a file: JSON (every field, for machines) and CSV (for a spreadsheet).

Both list every event in version order, including the ones marked as entered in error (flagged,
never dropped), with both times, the actor, the reason and the event's hash-chain link, so the file
can be checked against the store.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

from careplan.adapters.csv_cells import writer as csv_writer
from careplan.domain.history import History
from careplan.domain.journey import PatientJourney
from careplan.domain.values import Actor
from events.schemas import EventRecordSchema, to_json
from web.services import careplan

CSV_COLUMNS = (
    "version", "type", "occurred_at", "recorded_at", "actor_id", "actor_role", "reason", "entered_in_error", "hash", "data",
)


def records(journey: PatientJourney) -> list[dict[str, Any]]:
    history = careplan().history(journey.id, upto=journey.version)
    errored = History(history).errored
    schema = EventRecordSchema()
    rows = []
    for fact in history:
        row = schema.dump(
            {
                "version": fact.version,
                "type": fact.type,
                "occurred_at": fact.occurred_at,
                "recorded_at": fact.recorded_at,
                "actor": fact.actor.as_dict(),
                "reason": fact.reason,
                "data": fact.data,
                "entered_in_error": fact.version in errored,
            }
        )
        row["hash"] = fact.hash
        rows.append(row)
    return rows


def as_json(journey: PatientJourney, exported_by: Actor, exported_at: datetime) -> str:
    document = {
        "journey_id": str(journey.id),
        "patient_ref": journey.patient_ref,
        "protocol": journey.protocol_id,
        "protocol_version": journey.protocol_version,
        "version": journey.version,
        "exported_at": to_json(exported_at),
        "exported_by": exported_by.as_dict(),
        "events": records(journey),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def as_csv(journey: PatientJourney) -> str:
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in records(journey):
        writer.writerow(
            [
                row["version"], row["type"], row["occurred_at"], row["recorded_at"], row["actor"]["id"],
                row["actor"]["role"], row["reason"] or "", "yes" if row["entered_in_error"] else "no", row["hash"],
                json.dumps(row["data"], sort_keys=True, ensure_ascii=False),
            ]
        )
    return out.getvalue()

