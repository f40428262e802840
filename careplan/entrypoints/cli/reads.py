"""The CLI's reads of patient data in the access log, as the web records its own.

``careplan export``, ``export --fhir``, ``replay`` and ``report deviations`` show what the pages do
(events, states, reasons), so an auditor asking who read a journey must find them too. The actor is
the operator: ``cli:<login name of the OS user>``, role ``admin`` (``users.operator``, the actor of
what the CLI records). An entry names the journey by id and what was asked (version, as_of), never a
patient reference, a path or a search. As on the web, a read whose entry cannot be written is not
shown: the entry is written before the output, and an unknown journey asked for is recorded (404).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from careplan.adapters.settings import ConfigError
from careplan.application import CarePlan
from careplan.audit.access_log import Access, access_log_for
from careplan.domain.errors import UnknownJourney
from careplan.domain.journey import PatientJourney
from careplan.entrypoints.cli.main import CliError
from careplan.entrypoints.cli.users import operator


def asked(**values: Any) -> dict[str, str]:
    """What was asked, by the web's names, without the options left out."""
    return {name: (value.isoformat() if hasattr(value, "isoformat") else str(value)) for name, value in values.items() if value is not None}


def journey(app: CarePlan, journey_id: UUID, action: str, wanted: dict[str, str] | None = None) -> PatientJourney:
    """The journey, or ``UnknownJourney`` after the refused attempt is recorded (an auditor's question too)."""
    try:
        return app.get(journey_id)
    except UnknownJourney:
        record(app, action, [journey_id], wanted, status=404)
        raise


def record(
    app: CarePlan, action: str, journey_ids: Iterable[UUID | None], wanted: dict[str, str] | None = None, status: int = 200
) -> None:
    """One entry per journey read (``[None]`` for a read across journeys), written before any output."""
    actor, at = operator(), app.clock()
    entries = [Access(at, actor.id, actor.role, one, action, dict(wanted or {}), status) for one in journey_ids]
    try:
        access_log_for(app).record_all(entries)
    except ConfigError:
        raise
    except Exception as error:  # the database refused: nothing is shown that leaves no trace
        raise CliError(f"the read could not be recorded in the access log ({type(error).__name__}), so nothing was written") from None
