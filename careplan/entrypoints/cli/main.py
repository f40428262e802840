"""The ``careplan`` console script: one subcommand per module, each with its own ``--help``.

Every refusal (a bad argument, an unknown journey, a malformed setting) is one line on stderr and
exit code 2, never a traceback: the CLI is used from scripts and cron as much as by people.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from careplan.adapters.logs import configure_logging
from careplan.adapters.settings import ConfigError
from careplan.domain.errors import CarePlanError

SUBCOMMANDS: tuple[str, ...] = (
    "careplan.entrypoints.cli.demo",
    "careplan.entrypoints.cli.replay",
    "careplan.entrypoints.cli.export",
    "careplan.entrypoints.cli.scheduler",
    "careplan.entrypoints.cli.tick",
    "careplan.entrypoints.cli.projections",
    "careplan.entrypoints.cli.verify",
    "careplan.entrypoints.cli.keys",
    "careplan.entrypoints.cli.users",
    "careplan.entrypoints.cli.web",
    "careplan.entrypoints.cli.serve",
    "careplan.entrypoints.cli.db",
    "careplan.entrypoints.cli.report",
    "careplan.entrypoints.cli.index",
    "careplan.entrypoints.cli.protocols",
)


class CliError(Exception):
    """A refusal worth one line: the message must not contain patient references."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> Parser:
    parser = Parser(prog="careplan", description="Event-sourced care plans for IV ketamine treatment of TRD.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    subparsers.required = True
    for module_name in SUBCOMMANDS:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        configure_logging()
        return int(args.run(args) or 0)
    except (CliError, CarePlanError, ConfigError, ValueError) as error:
        print(f"careplan {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
