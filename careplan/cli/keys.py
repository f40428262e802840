"""``careplan keys``: make a key for encryption at rest, and move a store to a new key.

``generate`` prints a new random AES-256 key, base64, in the form ``CAREPLAN_CIPHER_KEY`` takes.
``rotate --to-url URL`` copies every journey's events (decrypted with ``CAREPLAN_CIPHER_KEY``) into an
empty store encrypted with ``CAREPLAN_NEW_CIPHER_KEY``, then verifies the copy's hash chains; the
operator then points ``CAREPLAN_DATABASE_URL`` and ``CAREPLAN_CIPHER_KEY`` at the new store and key.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from eventsourcing.cryptography import AESCipher

from careplan.audit.rotate import rotate
from careplan.bootstrap import build_app
from careplan.cli.main import CliError


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
        help="copy every event into a new store under CAREPLAN_NEW_CIPHER_KEY, then verify it",
        description=(
            "Copy every journey's events (not snapshots, not projections) from the store of "
            "CAREPLAN_DATABASE_URL, read with CAREPLAN_CIPHER_KEY, into the empty store at --to-url, "
            "encrypted with CAREPLAN_NEW_CIPHER_KEY; then verify every hash chain in the copy. Nothing is "
            "written to the old store. Exit 0 when the copy verifies, 1 when it does not, 2 for bad usage."
        ),
    )
    move.add_argument("--to-url", required=True, metavar="URL", help="the new, empty store (sqlite:///PATH or postgresql://...)")
    move.set_defaults(run=run_rotate)


def run_generate(args: argparse.Namespace) -> int:
    print(AESCipher.create_key(num_bytes=32))
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    new_key = os.environ.get("CAREPLAN_NEW_CIPHER_KEY", "").strip()
    if not new_key:
        raise CliError("set CAREPLAN_NEW_CIPHER_KEY to the new key (make one with `careplan keys generate`)")
    if args.to_url == os.environ.get("CAREPLAN_DATABASE_URL"):
        raise CliError("--to-url must be a new, empty store, not the current one")
    source = build_app(demo=True)  # only read: it may be the plaintext store being moved to encryption
    target = build_app({**os.environ, "CAREPLAN_DATABASE_URL": args.to_url, "CAREPLAN_CIPHER_KEY": new_key})
    try:
        result = rotate(source, target)
    finally:
        source.close()
        target.close()
    for found in result.report.breaks:
        print(found)
    if not result.report.ok:
        print(f"the copy does not verify: {len(result.report.breaks)} journeys have a broken link", file=sys.stderr)
        return 1
    print(f"copied {result.journeys} journeys, {result.events} events; every link holds under the new key")
    return 0
