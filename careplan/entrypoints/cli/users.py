"""``careplan users``: add people, list them, disable or enable them, issue tokens, set passwords.

``users add NAME --role ROLE`` prints the new API token alone on its last line (scripts take it with
``tail -n 1``); without ``--password-stdin`` a password is generated and printed once. Secrets are
shown once and stored only as hashes. Every change records the operator as ``cli:<login>``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from careplan.domain.users import USER_ROLES
from careplan.domain.values import Actor
from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli.main import CliError
from careplan.users import Users


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "users",
        help="manage the people who use careplan and their roles",
        description="Manage people: coordinators, clinicians, auditors and admins. Tokens and passwords are shown once.",
    )
    commands = parser.add_subparsers(dest="users_command", metavar="ACTION")
    commands.required = True
    add = commands.add_parser("add", help="add a person; prints their API token on the last line")
    add.add_argument("name", metavar="NAME", help="username: lower-case letters, digits, '.', '_', '@', '-'")
    add.add_argument("--role", required=True, choices=USER_ROLES)
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add.set_defaults(run=run_add)
    listing = commands.add_parser("list", help="list people, their roles and whether they can sign in")
    listing.set_defaults(run=run_list)
    disable = commands.add_parser("disable", help="stop a person signing in or using their token")
    disable.add_argument("name", metavar="NAME")
    disable.add_argument("--reason", help="why (kept in the account's history)")
    disable.set_defaults(run=run_disable)
    enable = commands.add_parser("enable", help="let a disabled person sign in again (old token and sessions stay void)")
    enable.add_argument("name", metavar="NAME")
    enable.set_defaults(run=run_enable)
    token = commands.add_parser("token", help="issue a new API token (the old one stops working); printed alone")
    token.add_argument("name", metavar="NAME")
    token.set_defaults(run=run_token)
    password = commands.add_parser("password", help="set a new password, read from stdin")
    password.add_argument("name", metavar="NAME")
    password.set_defaults(run=run_password)


def operator() -> Actor:
    """The person at the console, as the actor of what the CLI records."""
    try:
        login = getpass.getuser()
    except Exception:  # no login name in a bare container
        login = "unknown"
    return Actor(id=f"cli:{login}", role="admin")


def read_password() -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise CliError("no password on stdin (give it on the first line)")
    return line


def _with_users(action: Any) -> int:
    app = build_app()
    try:
        return int(action(Users(app)) or 0)
    finally:
        app.close()


def run_add(args: argparse.Namespace) -> int:
    password = read_password() if args.password_stdin else None

    def add(users: Users) -> None:
        new = users.add(args.name, args.role, actor=operator(), password=password)
        print(f"Added {new.role} {new.name}.")
        if new.password is not None:
            print(f"Password (shown once): {new.password}")
        print("API token (shown once; send it as 'Authorization: Bearer TOKEN'):")
        print(new.token)

    return _with_users(add)


def run_list(args: argparse.Namespace) -> int:
    def show(users: Users) -> None:
        rows = users.list()
        width = max([len(r.name) for r in rows] + [4])
        print(f"{'NAME':<{width}}  {'ROLE':<11}  STATUS")
        for row in rows:
            print(f"{row.name:<{width}}  {row.role:<11}  {'active' if row.enabled else 'disabled'}")

    return _with_users(show)


def run_disable(args: argparse.Namespace) -> int:
    def disable(users: Users) -> None:
        users.disable(args.name, actor=operator(), reason=args.reason)
        print(f"Disabled {args.name}: no sign-in, no token.")

    return _with_users(disable)


def run_enable(args: argparse.Namespace) -> int:
    def enable(users: Users) -> None:
        users.enable(args.name, actor=operator())
        print(f"Enabled {args.name}; their old token stays void: issue one with `careplan users token {args.name}`.")

    return _with_users(enable)


def run_token(args: argparse.Namespace) -> int:
    return _with_users(lambda users: print(users.issue_token(args.name, actor=operator())))


def run_password(args: argparse.Namespace) -> int:
    password = read_password()

    def set_password(users: Users) -> None:
        users.set_password(args.name, password, actor=operator())
        print(f"Password of {args.name} set; their other sessions are signed out.")

    return _with_users(set_password)
