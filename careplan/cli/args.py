"""Argument types shared by subcommands: each refuses bad input with a sentence, not a traceback."""

from __future__ import annotations

import argparse
from datetime import datetime
from uuid import UUID

from careplan.domain.values import utc


def journey_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a journey id (a UUID)") from None


def iso_time(text: str) -> datetime:
    try:
        return utc(datetime.fromisoformat(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date-time") from None


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)
