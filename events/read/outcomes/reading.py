"""The outcomes report read for an application: the view brought up to date, then the document.
One entry point for the CLI, the API and the page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from careplan.application import CarePlan
from careplan.domain.errors import UnknownProtocol
from careplan.domain.protocol import Protocol
from events.read.collection import collection_paused
from events.read.outcomes.report import Resolve, outcomes
from events.read.outcomes.view import OutcomesView
from events.read.runtime import read_store_for


def resolver(app: CarePlan) -> Resolve:
    """The protocol of a (protocol, version), or None when this process does not know it (the course
    is still reported, with the defaults)."""

    def resolve(protocol: str, version: int) -> Protocol | None:
        try:
            return app.protocol(protocol, version)
        except UnknownProtocol:
            return None

    return resolve


def report(app: CarePlan, as_of: datetime | None = None, protocol: str | None = None, version: int | None = None) -> dict[str, Any]:
    """The report's document, from the outcomes view brought up to date.

    With the cyclic collector paused (``events.read.collection``): the report makes a few short lists
    per course and no cycles, and with the collector on its oldest generation was walked again and
    again as they accumulated, which made 10,000 courses cost three times 5,000."""
    with collection_paused():
        journeys = OutcomesView(app, read_store_for(app)).journeys()
        return outcomes(journeys.values(), resolver(app), as_of, protocol, version)
