"""Numbers and dates from a query string or a URL path, bounded before they are converted.

Python refuses to turn a string of more than 4,300 digits into an int (and a date past 9999 or a day
before 0001-01-01 into anything), so an unchecked ``int(text)`` or ``day + timedelta(days=1)`` is a
500 on a 5,000-digit ``page`` or on ``/schedule?date=9999-12-31``. Here a number is at most
``MAX_DIGITS`` ASCII digits within its range, and a date is within ``EARLIEST`` to ``LATEST``; anything
else is a 400 that says what is wanted.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import abort, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

MAX_DIGITS = 18
"""Below 2**63: every number the app takes fits a 64-bit integer (and the databases' BIGINT)."""
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)
"""The dates a clinic page may show: the same range as a typed clinic time (``web.clinic``)."""
MAX_PAGE = 1_000_000
"""The last page number a page of lists takes (a million pages of 25 is more than any clinic has)."""
_WHOLE = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")


def whole_number(name: str, default: int, low: int, high: int) -> int:
    """The query parameter ``name`` as a whole number from ``low`` to ``high``; ``default`` when absent."""
    text = request.args.get(name, "").strip()
    if not text:
        return default
    if not _WHOLE.fullmatch(text) or not low <= int(text) <= high:
        abort(400, description=f"'{name}' must be a whole number from {low:,} to {high:,}.")
    return int(text)


def is_whole_number(text: str) -> bool:
    """Whether ``text`` is a whole number that may be converted (ASCII digits, at most ``MAX_DIGITS``)."""
    return bool(_WHOLE.fullmatch(text))


def clinic_date(name: str) -> date | None:
    """The query parameter ``name`` as a date (YYYY-MM-DD) from ``EARLIEST`` to ``LATEST``; None when absent."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or not EARLIEST <= day <= LATEST:
        abort(400, description=f"'{name}' must be a date from {EARLIEST} to {LATEST}, as YYYY-MM-DD.")
    return day


class BoundedInteger(IntegerConverter):
    """``<int:...>`` in a route, refusing more digits than any version has (400) before converting."""

    def to_python(self, value: str) -> Any:
        if len(value) > MAX_DIGITS:
            raise BadRequest(f"A number in the address has more than {MAX_DIGITS} digits.")
        return super().to_python(value)
