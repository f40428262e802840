"""``careplan protocols list | show | diff | migrate`` (DESIGN 7.6): the real entry point on a SQLite
store named by the environment; bad input is one line on stderr and exit 2."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fhir.resources.R4B.plandefinition import PlanDefinition

from careplan.domain.values import Actor
from careplan.entrypoints.bootstrap import build_app
from tests.cli.conftest import careplan
from tests.examples import VALID_DATA

CLINICIAN = Actor("dr-cli", "clinician")
UNKNOWN = "6c8a0a56-1b55-4a43-9d33-2c3c1f0e0000"
REASON = "Clinic adopted version 2"


def open_journeys(url: str, count: int = 2, closed: int = 1) -> list[str]:
    app = build_app({"CAREPLAN_DATABASE_URL": url, "CAREPLAN_MODE": "demo", "CAREPLAN_PROTOCOL_VERSION": "1"})
    try:
        ids = []
        for n in range(count + closed):
            journey = app.open_journey(f"MRN-CLI-{n}", actor=CLINICIAN, occurred_at=app.clock() - timedelta(days=2))
            app.record(journey, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"], actor=CLINICIAN)
            if n >= count:
                app.record(journey, "JourneyClosed", {"outcome": "other"}, actor=CLINICIAN, reason="Moved away")
            ids.append(str(journey))
        return ids
    finally:
        app.close()


def versions(url: str, ids: list[str]) -> list[int]:
    app = build_app({"CAREPLAN_DATABASE_URL": url, "CAREPLAN_MODE": "demo"})
    try:
        from uuid import UUID

        return [app.get(UUID(i)).protocol_version for i in ids]
    finally:
        app.close()


def test_list_show_and_diff(capsys: pytest.CaptureFixture[str]) -> None:
    listed = careplan(capsys, "protocols", "list")
    assert listed.code == 0 and "ketamine-trd  1" in listed.out and "ketamine-trd  2" in listed.out
    shown = careplan(capsys, "protocols", "show", "ketamine-trd", "2")
    assert shown.code == 0 and json.loads(shown.out)["eligibility"]["min_baseline_phq9"] == 10
    fhir = careplan(capsys, "protocols", "show", "ketamine-trd", "1", "--fhir")
    assert PlanDefinition.model_validate(json.loads(fhir.out)).version == "1"
    diffed = careplan(capsys, "protocols", "diff", "ketamine-trd", "1", "2")
    assert diffed.code == 0 and "maintenance.min_interval_weeks" in diffed.out and "lab_panels.ecg.title" in diffed.out


def test_a_dry_run_reports_and_records_nothing_then_all_open_journeys_move(capsys: pytest.CaptureFixture[str], store: str) -> None:
    ids = open_journeys(store)
    dry = careplan(capsys, "protocols", "migrate", "--to", "2", "--all-open", "--dry-run", "--reason", REASON)
    assert dry.code == 0, dry.err
    assert dry.out.count("v1 -> v2  dry run") == 2 and "The consent step is added" in dry.out
    assert "3 journeys: 2 dry run, 1 journey closed" in dry.out
    assert "3/3" in dry.err  # the progress bar, on stderr
    assert versions(store, ids) == [1, 1, 1]
    moved = careplan(capsys, "protocols", "migrate", "--to", "2", "--all-open", "--reason", REASON)
    assert moved.code == 0 and "1 journey closed, 2 migrated" in moved.out
    assert versions(store, ids) == [2, 2, 1]
    back = careplan(capsys, "protocols", "migrate", "--to", "1", "--journey", ids[0], "--reason", "Back to v1")
    assert back.code == 0 and "v2 -> v1  migrated" in back.out
    assert versions(store, ids)[0] == 1


def test_one_journey_that_needs_confirming_is_exit_2_with_one_line_until_confirmed(
    capsys: pytest.CaptureFixture[str], store: str
) -> None:
    ids = open_journeys(store, count=1, closed=0)
    assert careplan(capsys, "protocols", "migrate", "--to", "2", "--journey", ids[0], "--reason", REASON).code == 0
    app = build_app({"CAREPLAN_DATABASE_URL": store, "CAREPLAN_MODE": "demo"})
    try:
        from uuid import UUID

        app.record(UUID(ids[0]), "ConsentRecorded", VALID_DATA["ConsentRecorded"], actor=CLINICIAN)
    finally:
        app.close()
    refused = careplan(capsys, "protocols", "migrate", "--to", "1", "--journey", ids[0], "--reason", "Back")
    assert refused.code == 2 and refused.err.count("\n") == 1 and "--confirm" in refused.err
    assert "! The consent step leaves the plan" in refused.out
    assert versions(store, ids) == [2]
    confirmed = careplan(capsys, "protocols", "migrate", "--to", "1", "--journey", ids[0], "--reason", "Back", "--confirm")
    assert confirmed.code == 0 and versions(store, ids) == [1]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["protocols", "show", "ketamine-trd", "9"], "No protocol ketamine-trd version 9"),
        (["protocols", "show", "ketamine-trd", "two"], "whole number"),
        (["protocols", "diff", "ketamine-trd", "1"], "required"),
        (["protocols", "migrate", "--to", "2", "--journey", UNKNOWN, "--reason", REASON], "No journey"),
        (["protocols", "migrate", "--to", "2", "--journey", "nope", "--reason", REASON], "not a journey id"),
        (["protocols", "migrate", "--to", "2", "--all-open"], "--reason"),
        (["protocols", "migrate", "--to", "2", "--reason", REASON], "one of the arguments"),
        (["protocols", "migrate", "--to", "2", "--all-open", "--journey", UNKNOWN, "--reason", REASON], "not allowed"),
        (["protocols", "migrate", "--to", "2", "--all-open", "--reason", "  "], "blank"),
        (["protocols", "migrate", "--to", "9", "--journey", UNKNOWN, "--reason", REASON], "No journey"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(capsys: pytest.CaptureFixture[str], store: str, argv: list[str], said: str) -> None:
    ran = careplan(capsys, *argv)
    assert ran.code == 2
    assert ran.err.count("\n") == 1 and said in ran.err, ran.err
