"""``careplan export [--journey ID] [--output FILE]``: every event as JSON lines, for auditors and tools.

One object per event, journey by journey in the order they were opened, each journey's events in
version order: ``journey_id``, ``version``, ``type``, ``occurred_at``, ``recorded_at``, ``actor``
{``id``, ``role``}, ``reason``, ``data``, ``entered_in_error`` and ``hash`` (the link of the journey's
hash chain, so a reader can check the export with the same algorithm as ``careplan verify``). The
shape is the API's event record (``events.schemas.EventRecordSchema``) plus the journey id and hash.
A file is written whole or not at all. Each journey exported is an entry of the access log.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from careplan.application import CarePlan
from careplan.domain.history import History
from careplan.domain.values import Fact
from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli import fhir_export, reads
from careplan.entrypoints.cli.args import journey_id
from careplan.entrypoints.cli.main import CliError
from events.schemas import EventRecordSchema

ACTION = "careplan export"
"""The access log's name for this read: one entry per journey exported, written before the first line."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write every event of every journey as JSON lines",
        description="Write all events (or one journey's) as JSON lines, one object per event, to stdout or FILE.",
    )
    parser.add_argument("--journey", type=journey_id, action="append", metavar="ID", help="only this journey (repeatable)")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    fhir_export.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    fhir_export.refuse_past_without_fhir(args)
    if args.fhir is not None:
        return fhir_export.run(args, write_stdout, write_file)
    app = build_app()
    try:
        ids = args.journey or list(app.journey_ids())
        for one in args.journey or ():
            reads.journey(app, one, ACTION)  # an unknown journey is refused before anything is written
        reads.record(app, ACTION, ids)
        if args.output is None:
            return write_stdout(event_lines(app, ids))
        write_file(event_lines(app, ids), args.output)
        return 0
    finally:
        app.close()


def event_lines(app: CarePlan, ids: Iterable[UUID]) -> Iterator[str]:
    schema = EventRecordSchema()
    for one in ids:
        history = app.history(one)
        errored = History(history).errored
        for fact in history:
            yield json.dumps(event_record(schema, one, fact, fact.version in errored), ensure_ascii=False)


def event_record(schema: EventRecordSchema, journey: UUID, fact: Fact, entered_in_error: bool) -> dict[str, Any]:
    record = {"journey_id": str(journey)}
    record.update(schema.dump({**vars(fact), "entered_in_error": entered_in_error}))
    record["hash"] = fact.hash
    return record


def write_lines(lines: Iterable[str], out: IO[str]) -> None:
    for line in lines:
        out.write(line + "\n")
    out.flush()


def write_stdout(lines: Iterable[str]) -> int:
    """Stops quietly (exit 1) when the reader goes away early, as ``careplan export | head`` does."""
    try:
        write_lines(lines, sys.stdout)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


def write_file(lines: Iterable[str], path: Path) -> None:
    """Writes next to ``path`` and renames, so a failed export never leaves half a file behind."""
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as out:
            write_lines(lines, out)
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise CliError(f"cannot write {path}: {error.strerror or error}") from None
