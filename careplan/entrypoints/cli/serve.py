"""``careplan serve``: the web app and an embedded scheduler, for one machine.

``--demo`` makes a store worth looking at: on an empty store it writes the synthetic cohort, and it
makes one sign-in per role (named after the role) with a fresh random password each start, printed
with the address. A demo sign-in is only ever one the demo made: an existing account of the same name
made by a person is left alone.
"""

from __future__ import annotations

import argparse
import secrets
from dataclasses import dataclass
from typing import Any

from careplan.application import CarePlan
from careplan.demo import generate
from careplan.domain.users import USER_ROLES, UnknownUser
from careplan.domain.values import Actor
from careplan.entrypoints.cli.args import interval_seconds, positive_int
from careplan.entrypoints.cli.web import add_address, build_web, listen, url
from careplan.entrypoints.scheduling.runner import DEFAULT_INTERVAL, start_embedded_scheduler
from careplan.users import Users

DEMO_ACTOR = Actor(id="demo", role="admin")
DEMO_PATIENTS = 60
DEMO_SEED = 7


@dataclass(frozen=True)
class DemoLogin:
    name: str
    role: str
    password: str | None  # None: an account of that name exists and is not the demo's


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the web app and an embedded scheduler (one machine)",
        description="Run the web app with the scheduler in a background thread. --demo seeds an empty store "
        "with a synthetic cohort and prints demo sign-ins.",
    )
    add_address(parser)
    parser.add_argument("--demo", action="store_true", help="seed an empty store with synthetic patients; make demo sign-ins")
    parser.add_argument("--patients", type=positive_int, default=DEMO_PATIENTS,
                        help=f"patients in the demo cohort (default {DEMO_PATIENTS})")
    parser.add_argument("--interval", type=interval_seconds, default=DEFAULT_INTERVAL, metavar="SECONDS",
                        help=f"seconds between scheduler sweeps (default {DEFAULT_INTERVAL:g})")
    parser.set_defaults(run=run)


def seed_cohort(app: CarePlan, patients: int) -> int:
    """Writes the demo cohort if the store has no journey yet; returns how many patients were written."""
    if next(iter(app.journey_ids(limit=1)), None) is not None:
        return 0
    generate(app, patients, DEMO_SEED, app.clock())
    return patients


def demo_logins(users: Users) -> list[DemoLogin]:
    """One sign-in per role with a new password each time; never touches an account a person made."""
    logins = []
    for role in USER_ROLES:
        password = secrets.token_urlsafe(9)
        try:
            account = users.get(role)
        except UnknownUser:
            users.add(role, role, actor=DEMO_ACTOR, password=password)
        else:
            if account.registered_by != DEMO_ACTOR.id:
                logins.append(DemoLogin(role, role, None))
                continue
            users.set_password(role, password, actor=DEMO_ACTOR)
            users.enable(role, actor=DEMO_ACTOR)
        logins.append(DemoLogin(role, role, password))
    return logins


def banner(address: str, where: str, seeded: int, logins: list[DemoLogin]) -> str:
    lines = [f"careplan serve: {address} ({where}; scheduler running)"]
    if seeded:
        lines.append(f"Seeded a synthetic cohort of {seeded} patients.")
    if logins:
        lines.append("Demo sign-ins (new passwords at every start):")
        for login in logins:
            shown = login.password or "(an existing account, not the demo's: left alone)"
            lines.append(f"  {login.name:<12} {shown}")
    lines.append(f"API: {address}api/v1/openapi.json (tokens: careplan users token NAME)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    web = build_web(demo=args.demo)
    app: CarePlan = web.extensions["careplan"]
    seeded, logins = 0, []
    if args.demo:
        seeded = seed_cohort(app, args.patients)
        logins = demo_logins(Users(app, password_method=web.config["CAREPLAN_PASSWORD_METHOD"]))
    scheduler = start_embedded_scheduler(app, interval=args.interval)
    try:
        print(banner(url(args.host, args.port), app.store.describe(), seeded, logins), flush=True)
        listen(web, args.host, args.port)
    finally:
        scheduler.stop()
        app.close()
    return 0
