"""``careplan keys``: make a key for encryption at rest, and move a store to a new key.

``generate`` prints a new random AES-256 key, base64, in the form ``CAREPLAN_CIPHER_KEY`` takes.
``rotate --to-url URL`` copies every table of the store (``careplan.audit.rotate`` says what becomes
of each) into an empty store encrypted with ``CAREPLAN_NEW_CIPHER_KEY``, rebuilds its read views and
verifies the copy's hash chains (and, with ``--heads``, compares it with heads saved before); the
operator then points ``CAREPLAN_DATABASE_URL`` and ``CAREPLAN_CIPHER_KEY`` at the new store and key.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from eventsourcing.cryptography import AESCipher

from careplan.application import CarePlan
from careplan.audit import anchor
from careplan.audit.rotate import Views, rotate
from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli.main import CliError
from events.read.outcomes.view import OutcomesView
from events.read.projection import Projector
from events.read.runtime import read_store_for
from events.read.store import OWN_POSITION_TABLES, TRACKING, VIEW_TABLES


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "keys",
        help="make a key for encryption at rest, or move the store to a new key",
        description="Keys for encryption at rest (AES-256-GCM). See the README's section on key rotation.",
    )
    actions = parser.add_subparsers(dest="keys_action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    generate = actions.add_parser(
        "generate",
        help="print a new random key for CAREPLAN_CIPHER_KEY",
        description="Print a new random 256-bit key, base64, alone on one line: the value of CAREPLAN_CIPHER_KEY.",
    )
    generate.set_defaults(run=run_generate)
    move = actions.add_parser(
        "rotate",
        help="copy the whole store into a new one under CAREPLAN_NEW_CIPHER_KEY, then verify it",
        description=(
            "Copy the store of CAREPLAN_DATABASE_URL, read with CAREPLAN_CIPHER_KEY, into the empty store at "
            "--to-url, encrypted with CAREPLAN_NEW_CIPHER_KEY: every event (journeys, patients and their index, "
            "accounts) and snapshot re-sealed under the new key, the access log with its ids and hash chain, "
            "chair bookings and sign-in failures row for row; sessions are not carried (everyone signs in "
            "again). Then rebuild the read views and verify every chain in the copy. Run it with every web "
            "worker and scheduler stopped, and --to-url naming the new database's migration role (it sets the "
            "access log's id sequence and builds the views). Nothing is written to the old store. "
            "Exit 0 when the copy verifies, 1 when it does not, 2 for bad usage."
        ),
    )
    move.add_argument("--to-url", required=True, metavar="URL", help="the new, empty store (sqlite:///PATH or postgresql://...)")
    move.add_argument("--heads", type=Path, metavar="FILE",
                      help="heads saved before the rotation (careplan verify --save-heads): the copy must still hold them")
    move.set_defaults(run=run_rotate)


def run_generate(args: argparse.Namespace) -> int:
    print(AESCipher.create_key(num_bytes=32))
    return 0


def read_views() -> Views:
    """The read views (an outer layer than the rotation): their tables, and their rebuild from the copy."""
    tables = frozenset({TRACKING, *OWN_POSITION_TABLES, *(table for owned in VIEW_TABLES.values() for table in owned)})

    def rebuild(app: CarePlan) -> int:
        taken = Projector(app, read_store_for(app)).catch_up()
        OutcomesView(app, read_store_for(app)).catch_up()  # its own position: the copy's log from the start
        return taken

    return Views(tables, rebuild)


def run_rotate(args: argparse.Namespace) -> int:
    new_key = os.environ.get("CAREPLAN_NEW_CIPHER_KEY", "").strip()
    if not new_key:
        raise CliError("set CAREPLAN_NEW_CIPHER_KEY to the new key (make one with `careplan keys generate`)")
    if args.to_url == os.environ.get("CAREPLAN_DATABASE_URL"):
        raise CliError("--to-url must be a new, empty store, not the current one")
    heads = anchor.load(args.heads) if args.heads else None
    source = build_app(demo=True)  # only read: it may be the plaintext store being moved to encryption
    try:
        target = build_app({**os.environ, "CAREPLAN_DATABASE_URL": args.to_url, "CAREPLAN_CIPHER_KEY": new_key})
    except BaseException:
        source.close()
        raise
    import psycopg
    from eventsourcing.persistence import PersistenceError

    try:
        result = rotate(source, target, read_views())
    except (psycopg.Error, PersistenceError) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise CliError(f"a store refused ({first}); --to-url must name the new database's migration role") from None
    finally:
        source.close()
        target.close()
    breaks = result.report.breaks + (anchor.compare(result.report, heads) if heads is not None else [])
    for found in breaks:
        print(found)
    if breaks:
        print(f"the copy does not verify: {len(breaks)} broken links or heads; keep using the old store", file=sys.stderr)
        return 1
    rows = ", ".join(f"{table} {count}" for table, count in result.rows)
    print(
        f"copied {result.journeys} journeys, {result.events} events, {result.snapshots} snapshots; rows: {rows}; "
        f"{result.sessions_ended} sessions not carried (everyone signs in again); views rebuilt from "
        f"{result.viewed} events; every link holds under the new key" + ("; every saved head is held" if heads else "")
    )
    return 0
