"""``careplan replay JOURNEY [--version N | --as-of ISO]``: a journey's state and history, for an auditor.

The state is rebuilt from the events alone: at a version, it is judged at the moment that version was
recorded; as of a moment, only what had been recorded by then counts ("what was known when"). Events
later marked as entered in error stay in the history, marked, with the reason. Each replay is an
entry of the access log (``careplan.entrypoints.cli.reads``).
"""

from __future__ import annotations

import argparse
from typing import Any

from careplan.domain.history import History
from careplan.domain.journey import PatientJourney
from careplan.domain.values import Fact
from careplan.domain.view import JourneyView
from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli import reads
from careplan.entrypoints.cli.args import iso_time, journey_id, positive_int
from careplan.entrypoints.cli.main import CliError
from careplan.entrypoints.cli.tables import clip, short, table, when

ACTION = "careplan replay"
"""The access log's name for this read (the web's are the method and route)."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="show a journey's state and history, now or at a past version or moment",
        description="Rebuild a journey from its events and print its steps, outcome, alerts, next actions and history.",
    )
    parser.add_argument("journey", type=journey_id, metavar="JOURNEY", help="the journey's id (a UUID)")
    past = parser.add_mutually_exclusive_group()
    past.add_argument("--version", type=positive_int, metavar="N", help="the state right after version N")
    past.add_argument("--as-of", type=iso_time, metavar="ISO", help="the state as known at this moment")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    app = build_app()
    try:
        wanted = reads.asked(version=args.version, as_of=args.as_of)
        current = reads.journey(app, args.journey, ACTION, wanted)
        if args.version is not None and args.version > current.version:
            raise CliError(f"journey {args.journey} has {current.version} versions; there is no version {args.version}")
        if args.as_of is not None and args.as_of < current.created_on:
            raise CliError(f"journey {args.journey} was not yet recorded at {args.as_of.isoformat()}")
        journey, view = app.view(args.journey, version=args.version, as_of=args.as_of)
        history = app.history(journey.id, upto=journey.version)
        reads.record(app, ACTION, [journey.id], wanted)
    finally:
        app.close()
    print(render(journey, view, current.version, history))
    return 0


def render(journey: PatientJourney, view: JourneyView, latest: int, history: list[Fact]) -> str:
    head = (
        f"journey {journey.id}  patient {journey.patient_ref}  protocol {journey.protocol_id} v{journey.protocol_version}\n"
        f"version {journey.version} of {latest}, {view.status}, judged at {when(view.as_of)} UTC"
    )
    parts = [head, "", "Steps", steps_table(view), "", outcome_line(view), "", "Alerts", *alert_lines(view)]
    parts += ["", "Next actions", *action_lines(view), "", "History", history_table(history)]
    return "\n".join(parts)


def steps_table(view: JourneyView) -> str:
    rows = [
        [name, step.status, when(step.due_at), "; ".join(f"{f.kind}: {f.reason}" for f in step.flags) or "-"]
        for name, step in view.steps.items()
    ]
    return table(["step", "status", "due", "flags"], rows)


def outcome_line(view: JourneyView) -> str:
    o = view.outcome
    change = f"{o.change_pct:+.1f}%" if o.change_pct is not None else "-"
    return (
        f"Outcome: PHQ-9 baseline {_n(o.phq9_baseline)}, latest {_n(o.phq9_latest)}, change {change}, "
        f"{o.classification or 'not yet classified'}; induction {view.induction_done}/{view.induction_target}, "
        f"maintenance infusions {view.maintenance_done}"
    )


def _n(value: int | None) -> str:
    return "-" if value is None else str(value)


def alert_lines(view: JourneyView) -> list[str]:
    return [
        f"  v{a.version} {a.kind} raised {when(a.raised_at)} ({'acknowledged' if a.acknowledged else 'OPEN'}): {a.reason}"
        for a in view.alerts
    ] or ["  none"]


def action_lines(view: JourneyView) -> list[str]:
    return [f"  {when(a.due_at):16}  {a.step}: {a.action}" for a in view.next_actions] or ["  none"]


def history_table(history: list[Fact]) -> str:
    reading = History(history)
    corrections = {v: (reading.correction_of(v) or history[0]).reason for v in reading.errored}
    rows = []
    for fact in history:
        data = clip(short(fact.data)) if fact.data else "-"
        if fact.version in corrections:
            data = f"(entered in error: {corrections[fact.version]}) {data}"
        rows.append(
            [
                str(fact.version),
                fact.type,
                when(fact.occurred_at),
                when(fact.recorded_at),
                f"{fact.actor.id} ({fact.actor.role})",
                clip(fact.reason, 50) if fact.reason else "-",
                data,
            ]
        )
    return table(["version", "type", "occurred", "recorded", "actor", "reason", "data"], rows)
