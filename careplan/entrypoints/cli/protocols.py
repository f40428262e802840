"""``careplan protocols list | show ID VERSION | diff ID V1 V2 | migrate``: the clinic's plan definitions.

``migrate --to VERSION (--journey ID | --all-open) --reason TEXT [--dry-run] [--confirm]`` moves
journeys to another version of their protocol (DESIGN 7.6). The domain judges each one
(``PatientJourney.migrate``) and gives the report printed here: what would change, per journey. A
journey whose migration would lower a guard on care is left as it is unless ``--confirm``; with
``--all-open`` the others still move, and the summary counts each outcome. A single journey that
cannot move is one line on stderr and exit 2, as every refusal of the CLI.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from typing import Any
from uuid import UUID

from careplan.application import CarePlan
from careplan.domain.errors import CarePlanError, RuleViolation, UnknownProtocol
from careplan.domain.migration import MigrationNeedsConfirmation, MigrationReport
from careplan.domain.protocol import Protocol
from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli import reads
from careplan.entrypoints.cli.args import journey_id, positive_int
from careplan.entrypoints.cli.main import CliError
from careplan.entrypoints.cli.tables import table
from careplan.entrypoints.cli.users import operator
from events.fhir.plan_definition import plan_definition
from events.protocol_file import default_protocols
from events.protocol_view import diff, document

ACTION = "careplan protocols migrate"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "protocols",
        help="list, show and compare protocol versions; migrate journeys to another version",
        description="The plan definitions the clinic runs, and moving journeys between their versions.",
    )
    commands = parser.add_subparsers(dest="protocols_command", metavar="COMMAND", parser_class=type(parser))
    commands.required = True
    listing = commands.add_parser("list", help="every protocol version, oldest first")
    listing.set_defaults(run=run_list)
    show = commands.add_parser("show", help="one protocol version as its JSON document (or FHIR)")
    show.add_argument("id", metavar="ID")
    show.add_argument("version", type=positive_int, metavar="VERSION")
    show.add_argument("--fhir", action="store_true", help="print it as a FHIR R4 PlanDefinition")
    show.set_defaults(run=run_show)
    compare = commands.add_parser("diff", help="the settings that differ between two versions")
    compare.add_argument("id", metavar="ID")
    compare.add_argument("v1", type=positive_int, metavar="V1")
    compare.add_argument("v2", type=positive_int, metavar="V2")
    compare.set_defaults(run=run_diff)
    migrate = commands.add_parser(
        "migrate",
        help="move journeys to another protocol version (a dry run reports what would change)",
        description="Move one journey, or every open one, to another version of its protocol.",
    )
    migrate.add_argument("--to", type=positive_int, required=True, metavar="VERSION", help="the target version")
    which = migrate.add_mutually_exclusive_group(required=True)
    which.add_argument("--journey", type=journey_id, metavar="ID", help="one journey, by id")
    which.add_argument("--all-open", action="store_true", help="every journey that is not closed")
    migrate.add_argument("--reason", required=True, metavar="TEXT", help="why (recorded with each migration)")
    migrate.add_argument("--dry-run", action="store_true", help="report what would change; record nothing")
    migrate.add_argument("--confirm", action="store_true", help="confirm changes that lower a guard on care")
    migrate.set_defaults(run=run_migrate)


def _registry() -> Any:
    return default_protocols(os.environ.get("CAREPLAN_PROTOCOLS_DIR") or None)


def _protocol(protocol_id: str, version: int) -> Protocol:
    try:
        return _registry().get(protocol_id, version)
    except KeyError:
        raise UnknownProtocol(protocol_id, version) from None


def run_list(args: argparse.Namespace) -> int:
    registry = _registry()
    rows = [
        [p.id, str(p.version), "yes" if registry.opening(p.id).key == p.key else "", p.title]
        for p in registry
    ]
    print(table(["id", "version", "new journeys", "title"], rows))
    return 0


def run_show(args: argparse.Namespace) -> int:
    protocol = _protocol(args.id, args.version)
    print(json.dumps(plan_definition(protocol) if args.fhir else document(protocol), indent=2))
    return 0


def run_diff(args: argparse.Namespace) -> int:
    old, new = _protocol(args.id, args.v1), _protocol(args.id, args.v2)
    rows = [[d["setting"], _cell(d["from"]), _cell(d["to"])] for d in diff(old, new)]
    print(table(["setting", f"v{old.version}", f"v{new.version}"], rows) if rows else "The two versions do not differ.")
    return 0


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def run_migrate(args: argparse.Namespace) -> int:
    if not args.reason.strip():
        raise CliError("--reason must not be blank")
    app = build_app()
    try:
        if args.journey is not None:
            return _one(app, args)
        return _all_open(app, args)
    finally:
        app.close()


def _one(app: CarePlan, args: argparse.Namespace) -> int:
    reads.journey(app, args.journey, ACTION, reads.asked(to_version=args.to))
    outcome, report = _migrate(app, args.journey, args)
    reads.record(app, ACTION, [args.journey], reads.asked(to_version=args.to, dry_run=args.dry_run or None))
    print(render(args.journey, report, outcome))
    if outcome == "needs confirmation":
        raise CliError(f"journey {args.journey}: this migration needs --confirm (see the changes marked !)")
    return 0


def _migrate(app: CarePlan, journey: UUID, args: argparse.Namespace) -> tuple[str, MigrationReport]:
    actor = operator()
    if args.dry_run:
        report = app.migration_report(journey, args.to, actor=actor, reason=args.reason)
        return ("would need confirmation" if report.needs_confirmation else "dry run"), report
    try:
        _version, report = app.migrate_with_report(journey, args.to, actor=actor, reason=args.reason, confirm=args.confirm)
    except MigrationNeedsConfirmation as refused:
        return "needs confirmation", refused.report
    return "migrated", report


def _all_open(app: CarePlan, args: argparse.Namespace) -> int:
    ids = list(app.journey_ids())
    counts: Counter[str] = Counter()
    shown: list[UUID] = []
    for n, journey in enumerate(ids, start=1):
        _progress(n, len(ids))
        try:
            outcome, report = _migrate(app, journey, args)
        except RuleViolation as skipped:  # closed, already on that version, another protocol
            counts[skipped.code] += 1
            continue
        except CarePlanError as failed:
            counts[failed.code] += 1
            continue
        counts[outcome] += 1
        shown.append(journey)
        print(render(journey, report, outcome))
    if ids:
        print(file=sys.stderr)
    reads.record(app, ACTION, shown or [None], reads.asked(to_version=args.to, dry_run=args.dry_run or None))
    print(summary(len(ids), counts))
    return 0


def _progress(n: int, total: int) -> None:
    """A progress bar on stderr (a terminal's line, redrawn), so stdout stays the report."""
    width = 30
    done = width * n // max(total, 1)
    print(f"\r[{'#' * done}{'.' * (width - done)}] {n}/{total}", end="", file=sys.stderr, flush=True)


def render(journey: UUID, report: MigrationReport, outcome: str) -> str:
    head = f"journey {journey}  v{report.from_version} -> v{report.to_version}  {outcome}"
    lines = [head]
    for change in report.changes:
        mark = "!" if change.needs_confirmation else "-"
        lines.append(f"  {mark} {change.sentence}")
    if not report.changes:
        lines.append("  - nothing changes")
    return "\n".join(lines)


def summary(total: int, counts: Counter[str]) -> str:
    parts = [f"{count} {what.replace('_', ' ')}" for what, count in sorted(counts.items())]
    return f"{total} journeys: " + (", ".join(parts) if parts else "none")
