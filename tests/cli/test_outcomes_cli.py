"""``careplan report outcomes`` and ``careplan export --fhir ... --transaction | --all`` at the console:
tables, CSV, NDJSON and a Bulk Data directory from a demo cohort; bad input is one line and exit 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from careplan.application import CarePlan
from events.fhir import transaction
from tests.cli.conftest import careplan


def test_the_report_is_a_table_of_each_version_with_the_literature(capsys: pytest.CaptureFixture[str], cohort_env: str) -> None:
    ran = careplan(capsys, "report", "outcomes")
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0].split()[:2] == ["figure", "ketamine-trd"]
    assert any(line.startswith("Response at the response check") for line in lines)
    assert "synthetic" in ran.out and "Murrough et al. 2013" in ran.out
    assert "DEMO-" not in ran.out


def test_the_csv_has_a_row_per_version(capsys: pytest.CaptureFixture[str], cohort_env: str, reader: CarePlan) -> None:
    ran = careplan(capsys, "report", "outcomes", "--csv")
    assert ran.code == 0, ran.err
    rows = list(csv.DictReader(io.StringIO(ran.out)))
    opened = sum(int(row["courses_opened"]) for row in rows)
    assert opened == len(list(reader.journey_ids()))
    assert {row["literature_response_pct"] for row in rows} == {"70.8"}


def test_as_of_before_the_clinic_opened_knows_no_course(capsys: pytest.CaptureFixture[str], cohort_env: str) -> None:
    ran = careplan(capsys, "report", "outcomes", "--as-of", "2000-01-01")
    assert ran.code == 0 and ran.out.startswith("no courses known on 2000-01-01T23:59:59")


@pytest.mark.parametrize(
    "argv",
    [("--as-of", "last week"), ("--version", "0"), ("--version", "two")],
)
def test_bad_options_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], cohort_env: str, argv: tuple[str, ...]) -> None:
    ran = careplan(capsys, "report", "outcomes", *argv)
    assert ran.code == 2 and len(ran.err.strip().splitlines()) == 1


def test_export_transaction_writes_the_bundles_one_per_line(capsys: pytest.CaptureFixture[str], cohort_env: str, reader: CarePlan) -> None:
    journey = max(reader.journey_ids(), key=lambda j: reader.get(j).version)
    ran = careplan(capsys, "export", "--fhir", str(journey), "--transaction")
    assert ran.code == 0, ran.err
    bundles = [json.loads(line) for line in ran.out.splitlines()]
    assert bundles == transaction(reader, journey)
    assert bundles[0]["entry"][0]["request"]["url"].startswith("Patient?identifier=")


def test_export_all_writes_bulk_data_ndjson(capsys: pytest.CaptureFixture[str], cohort_env: str, tmp_path: Path, reader: CarePlan) -> None:
    out = tmp_path / "bulk"
    ran = careplan(capsys, "export", "--fhir", "--all", "--output", str(out))
    assert ran.code == 0, ran.err
    manifest: dict[str, Any] = json.loads((out / "manifest.json").read_text())
    files = {o["type"]: o["count"] for o in manifest["output"]}
    assert files["CarePlan"] == len(list(reader.journey_ids()))
    assert sorted(p.name for p in out.glob("*.ndjson")) == sorted(f"{kind}.ndjson" for kind in files)


@pytest.mark.parametrize(
    "argv",
    [("--fhir", "--all"), ("--transaction",), ("--all",), ("--fhir", "--all", "--transaction", "--output", "x")],
)
def test_export_refuses_what_does_not_go_together(capsys: pytest.CaptureFixture[str], cohort_env: str, argv: tuple[str, ...]) -> None:
    ran = careplan(capsys, "export", *argv)
    assert ran.code == 2 and len(ran.err.strip().splitlines()) == 1, ran.err


def test_the_outcomes_view_rebuilds_alone(capsys: pytest.CaptureFixture[str], cohort_env: str) -> None:
    before = careplan(capsys, "report", "outcomes", "--csv").out
    ran = careplan(capsys, "projections", "rebuild", "--view", "outcomes")
    assert ran.code == 0, ran.err
    assert ran.out.startswith("rebuilt outcomes from ") and "notifications" in ran.out
    assert careplan(capsys, "report", "outcomes", "--csv").out == before
