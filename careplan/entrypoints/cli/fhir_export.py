"""``careplan export --fhir JOURNEY``: one journey as a FHIR R4 Bundle (JSON), now or as it was.

The bundle (CarePlan, a Task per step, Observations, a Provenance per event) is built by
:mod:`events.fhir`; ``--version N`` or ``--as-of ISO`` exports a past state. Written to stdout or,
with ``--output FILE``, whole or not at all. The read is an entry of the access log.

``--transaction`` writes the transaction Bundles a FHIR server imports (``events.fhir.transaction``),
one per line (NDJSON), in import order. ``careplan export --fhir --all --output DIR`` writes every
journey as FHIR Bulk Data NDJSON, one file per resource type (``events.fhir.bulk``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli import reads
from careplan.entrypoints.cli.args import iso_time, journey_id, positive_int
from careplan.entrypoints.cli.main import CliError
from events.fhir import export, transaction
from events.fhir.bulk import bulk_export

ACTION = "careplan export --fhir"
ALL = object()
"""``--fhir`` given without a journey (``--fhir --all``); not a string, which argparse would read as a journey id."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fhir", type=journey_id, nargs="?", const=ALL, metavar="JOURNEY",
                        help="write this journey as a FHIR R4 Bundle instead (with --all and no JOURNEY: every journey)")
    parser.add_argument("--transaction", action="store_true",
                        help="with --fhir JOURNEY: transaction Bundles a FHIR server imports, one per line")
    parser.add_argument("--all", action="store_true", help="with --fhir: every journey as Bulk Data NDJSON into --output DIR")
    past = parser.add_mutually_exclusive_group()
    past.add_argument("--version", type=positive_int, metavar="N", help="with --fhir: the journey at version N")
    past.add_argument("--as-of", type=iso_time, metavar="ISO", help="with --fhir: the journey as known at this moment")


def run(args: argparse.Namespace, write_stdout: Any, write_file: Any) -> int:
    if args.journey:
        raise CliError("--fhir exports one journey; leave out --journey")
    if args.all or args.fhir is ALL:
        return run_all(args)
    app = build_app()
    try:
        wanted = reads.asked(version=args.version, as_of=args.as_of)
        latest = reads.journey(app, args.fhir, ACTION, wanted)
        if args.version is not None and args.version > latest.version:
            raise CliError(f"the journey has versions 1 to {latest.version}")
        if args.transaction:
            bundles = transaction(app, args.fhir, version=args.version, as_of=args.as_of)
            lines = [json.dumps(b, ensure_ascii=False, separators=(",", ":")) for b in bundles]
        else:
            lines = [json.dumps(export(app, args.fhir, version=args.version, as_of=args.as_of), indent=2, ensure_ascii=False)]
        reads.record(app, ACTION, [args.fhir], wanted)
    finally:
        app.close()
    if args.output is None:
        return int(write_stdout(lines))
    write_file(lines, args.output)
    return 0


def run_all(args: argparse.Namespace) -> int:
    if args.fhir is not ALL or not args.all:
        raise CliError("--all exports every journey: give --fhir --all without a journey")
    if args.output is None:
        raise CliError("--fhir --all writes a directory: give it with --output DIR")
    if args.version is not None or args.as_of is not None or args.transaction:
        raise CliError("--fhir --all exports every journey as it stands now, without --version, --as-of or --transaction")
    app = build_app()
    try:
        ids = list(app.journey_ids())
        reads.record(app, ACTION + " --all", ids)
        try:
            counts = bulk_export(app, args.output)
        except OSError as error:
            raise CliError(f"cannot write {args.output}: {error.strerror or error}") from None
    finally:
        app.close()
    print(f"wrote {sum(counts.values())} resources of {len(counts)} types from {len(ids)} journeys to {args.output}")
    return 0


def refuse_past_without_fhir(args: argparse.Namespace) -> None:
    if args.fhir is None and (args.version is not None or args.as_of is not None):
        raise CliError("--version and --as-of go with --fhir")
    if args.fhir is None and (args.transaction or args.all):
        raise CliError("--transaction and --all go with --fhir")
