"""``careplan report outcomes [--protocol ID] [--version N] [--as-of ISO] [--csv]``: what the clinic's
courses came to, per protocol version, as known on a day (DESIGN 7.8).

Read from the outcomes view (``events.read.outcomes``), brought up to date first. ``--as-of`` leaves
out every event recorded after that moment, corrections included; a bare date means the end of that
day (UTC). An entry of the access log, as a list read on the web is.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, time, timezone
from typing import Any

from careplan.adapters.csv_cells import writer as csv_writer
from careplan.application import CarePlan
from careplan.entrypoints.cli import reads
from careplan.entrypoints.cli.tables import table
from events.read.outcomes.figures import FIGURES, csv_rows
from events.read.outcomes.reading import report


def as_of_time(text: str) -> datetime:
    """An ISO 8601 date-time (UTC when it has no offset), or a date: the end of that day, UTC."""
    try:
        if len(text) == 10:
            return datetime.combine(datetime.fromisoformat(text).date(), time.max, timezone.utc)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date or date-time") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def show(document: dict[str, Any], as_csv: bool) -> None:
    if as_csv:
        csv_writer(sys.stdout, lineterminator="\n").writerows(csv_rows(document))
        return
    versions = document["versions"]
    if not versions:
        print("no courses" + (f" known on {document['as_of']}" if document["as_of"] else ""))
        return
    headers = ["figure", *(f"{v['protocol']} v{v['version']}" for v in versions)]
    print(table(headers, [[label, *(cell(v) for v in versions)] for _, label, cell in FIGURES]))
    if document["as_of"]:
        print(f"as known on {document['as_of']}")
    synthetic = sum(v["synthetic_courses"] for v in versions)
    if synthetic:
        print(f"{synthetic} course(s) are synthetic (written by the demo)")
    print(f"literature: {document['literature']['sentence']}")


def run(args: argparse.Namespace, app: CarePlan) -> int:
    document = report(app, args.as_of, args.protocol, args.version)
    reads.record(app, "careplan report outcomes", [None], reads.asked(as_of=args.as_of, protocol=args.protocol, version=args.version))
    show(document, args.csv)
    return 0
