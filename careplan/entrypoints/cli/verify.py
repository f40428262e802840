"""``careplan verify``: recompute every journey's hash chain from the stored rows.

Exit 0 when every link holds, 1 when a link is broken (each journey's first broken link is printed,
one line each), 2 for bad usage. Lines name journeys, versions and hashes, never patient references.
``--repair`` first drops the snapshots whose head is not the stored event's hash at their version
(``careplan.audit.repair``), then verifies.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from careplan.audit import anchor
from careplan.audit.repair import drop_unproven_snapshots
from careplan.audit.verify import verify_store
from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli.args import journey_id
from careplan.entrypoints.cli.main import CliError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="prove that no stored event was altered, deleted or reordered",
        description=(
            "Recompute every journey's and account's hash chain from the stored events (decrypted as the "
            "application does), check the snapshots against it, recompute the access log's chain from where it "
            "started, and check the chair ledger against the bookings the events hold. "
            "Prints each chain's first broken link. "
            "Exit 0: all links hold; 1: a link is broken; 2: bad usage."
        ),
    )
    parser.add_argument(
        "--journey", type=journey_id, action="append", metavar="ID", help="check only this journey (repeatable)"
    )
    parser.add_argument(
        "--save-heads", type=Path, metavar="FILE", help="write each journey's and account's last verified version and hash, and the access log's newest entry, to FILE"
    )
    parser.add_argument(
        "--heads",
        type=Path,
        metavar="FILE",
        help="also compare with heads saved earlier: catches deleted newest events or access-log entries and rewritten chains",
    )
    parser.add_argument(
        "--repair",
        action="store_true",
        help="first drop the snapshots whose head is no stored event's hash (a cache the events rebuild), then verify",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    heads = anchor.load(args.heads) if args.heads else None
    if args.journey and heads is not None:
        raise CliError("--heads compares the whole store; leave out --journey")
    app = build_app()
    try:
        if args.repair:
            _repair(app, args.journey)
        watch = [heads[anchor.ACCESS_LOG][0]] if heads and anchor.ACCESS_LOG in heads else []
        report = verify_store(app, args.journey, watch)
    finally:
        app.close()
    breaks = report.breaks + (anchor.compare(report, heads) if heads is not None else [])
    for found in breaks:
        print(found)
    if args.save_heads:
        anchor.save(report, args.save_heads)
    journeys, accounts = len(report.journeys), len(report.accounts)
    log = report.access_log
    entries = f", {log.entries} access-log entries" if log is not None else ""
    if breaks:
        broken = len({(b.kind, b.journey_id) for b in breaks if b.kind in ("journey", "account")})
        log_broken = ", and the access log has one" if any(b.kind == "access_log" for b in breaks) else ""
        log_broken += _ledger_summary(breaks)
        print(
            f"{broken} of {journeys} journeys and {accounts} accounts have a broken link{log_broken} "
            f"({report.events} events{entries} read)",
            file=sys.stderr,
        )
        return 1
    unchained = f" ({log.unchained} older access-log entries are not chained)" if log is not None and log.unchained else ""
    print(f"verified {journeys} journeys and {accounts} accounts, {report.events} events{entries}: every link holds{unchained}")
    return 0


def _ledger_summary(breaks: list[Any]) -> str:
    rows = sum(1 for b in breaks if b.kind == "chair_booking")
    return f", and {rows} chair booking(s) differ from the events" if rows else ""


def _repair(app: Any, journey_ids: list[Any] | None) -> None:
    dropped = drop_unproven_snapshots(app, journey_ids)
    for journey, versions in dropped.items():
        print(f"journey {journey}: dropped the snapshots at versions {', '.join(map(str, versions))} (head is no stored event's hash)")
    count = sum(len(versions) for versions in dropped.values())
    print(f"repair: dropped {count} snapshots of {len(dropped)} journeys")
