"""``careplan export --fhir JOURNEY``: one journey as a FHIR R4 Bundle (JSON), now or as it was.

The bundle (CarePlan, a Task per step, Observations, a Provenance per event) is built by
:mod:`events.fhir`; ``--version N`` or ``--as-of ISO`` exports a past state. Written to stdout or,
with ``--output FILE``, whole or not at all. The read is an entry of the access log.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from careplan.bootstrap import build_app
from careplan.cli import reads
from careplan.cli.args import iso_time, journey_id, positive_int
from careplan.cli.main import CliError
from events.fhir import export

ACTION = "careplan export --fhir"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fhir", type=journey_id, metavar="JOURNEY", help="write this journey as a FHIR R4 Bundle instead")
    past = parser.add_mutually_exclusive_group()
    past.add_argument("--version", type=positive_int, metavar="N", help="with --fhir: the journey at version N")
    past.add_argument("--as-of", type=iso_time, metavar="ISO", help="with --fhir: the journey as known at this moment")


def run(args: argparse.Namespace, write_stdout: Any, write_file: Any) -> int:
    if args.journey:
        raise CliError("--fhir exports one journey; leave out --journey")
    app = build_app()
    try:
        wanted = reads.asked(version=args.version, as_of=args.as_of)
        latest = reads.journey(app, args.fhir, ACTION, wanted)
        if args.version is not None and args.version > latest.version:
            raise CliError(f"the journey has versions 1 to {latest.version}")
        bundle = export(app, args.fhir, version=args.version, as_of=args.as_of)
        reads.record(app, ACTION, [args.fhir], wanted)
    finally:
        app.close()
    lines = [json.dumps(bundle, indent=2, ensure_ascii=False)]
    if args.output is None:
        return int(write_stdout(lines))
    write_file(lines, args.output)
    return 0


def refuse_past_without_fhir(args: argparse.Namespace) -> None:
    if args.fhir is None and (args.version is not None or args.as_of is not None):
        raise CliError("--version and --as-of go with --fhir")
