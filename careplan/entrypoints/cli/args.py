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
    if not (text.isascii() and text.isdigit() and len(text) <= 18) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def interval_seconds(text: str) -> float:
    """Seconds between scheduler sweeps: a tenth of a second (tests) up to a day."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0.1 <= value <= 86400:
        raise argparse.ArgumentTypeError("the interval must be between 0.1 and 86400 seconds")
    return value
