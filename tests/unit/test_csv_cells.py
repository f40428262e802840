"""Every CSV the product writes goes through one writer that makes formula cells inert (OWASP)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from careplan.adapters.csv_cells import inert, writer

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+A1", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text: str) -> None:
    assert inert(text) == "'" + text


@pytest.mark.parametrize("value", ["plain", "1=1", " =1", "", 3, -3, None, "'already"])
def test_other_cells_are_written_as_they_are(value: object) -> None:
    assert inert(value) == value


def test_the_writer_quotes_every_cell_of_every_row() -> None:
    out = io.StringIO()
    csv_out = writer(out, lineterminator="\n")
    csv_out.writerow(["=a", "b", 1])
    csv_out.writerows([["-c", "@d"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["'=a", "b", "1"], ["'-c", "'@d"]]


def test_no_module_writes_csv_past_the_inert_writer() -> None:
    """A new CSV export built on ``csv.writer`` directly would skip the quoting: refused here."""
    direct = re.compile(r"\bcsv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("careplan", "events", "web")
        for path in (ROOT / package).rglob("*.py")
        if path.name != "csv_cells.py" and direct.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
