"""``careplan replay``: a journey's state and history as tables, now, at a version, or as of a moment."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

import pytest

from careplan.application import CarePlan
from tests.cli.conftest import careplan

pytestmark = pytest.mark.usefixtures("cohort_env")


def corrected_journey(reader: CarePlan) -> UUID:
    """A demo journey with a correction in it (the cohort's first induction story has one)."""
    for one in reader.journey_ids():
        if any(f.type == "EventEnteredInError" for f in reader.history(one)):
            return one
    raise AssertionError("the demo cohort has no correction")


def history_rows(out: str) -> list[str]:
    lines = out.split("History\n", 1)[1].splitlines()
    return [line for line in lines[2:] if line.strip()]


def test_replay_prints_the_steps_outcome_alerts_actions_and_history(capsys, reader: CarePlan) -> None:
    one = corrected_journey(reader)
    journey = reader.get(one)
    ran = careplan(capsys, "replay", str(one))
    assert ran.code == 0 and ran.err == ""
    assert f"version {journey.version} of {journey.version}" in ran.out
    for heading in ("Steps", "Outcome: PHQ-9 baseline", "Alerts", "Next actions", "History"):
        assert heading in ran.out
    assert re.search(r"^step\s+status\s+due\s+flags$", ran.out, re.M)
    for step in reader.protocol(journey.protocol_id, journey.protocol_version).step_names:  # its protocol's steps
        assert re.search(rf"^{step}\s", ran.out, re.M)
    assert re.search(r"^version\s+type\s+occurred\s+recorded\s+actor\s+reason\s+data$", ran.out, re.M)
    assert len(history_rows(ran.out)) == journey.version


def test_an_event_marked_in_error_is_shown_with_the_reason(capsys, reader: CarePlan) -> None:
    one = corrected_journey(reader)
    history = reader.history(one)
    correction = next(f for f in history if f.type == "EventEnteredInError")
    target = correction.data["target_version"]
    rows = history_rows(careplan(capsys, "replay", str(one)).out)
    marked = [row for row in rows if "(entered in error:" in row]
    assert len(marked) == 1
    assert marked[0].startswith(f"{target} ") and f"(entered in error: {correction.reason})" in marked[0]


def test_replay_at_a_version_shows_only_that_much_history(capsys, reader: CarePlan) -> None:
    one = corrected_journey(reader)
    latest = reader.get(one).version
    ran = careplan(capsys, "replay", str(one), "--version", "5")
    assert ran.code == 0
    assert f"version 5 of {latest}" in ran.out
    assert [row.split()[0] for row in history_rows(ran.out)] == ["1", "2", "3", "4", "5"]


def test_replay_as_of_a_moment_shows_what_was_known_then(capsys, reader: CarePlan) -> None:
    one = corrected_journey(reader)
    history = reader.history(one)
    moment = history[9].recorded_at + timedelta(seconds=1)
    known = [f.version for f in history if f.recorded_at <= moment]
    ran = careplan(capsys, "replay", str(one), "--as-of", moment.isoformat())
    assert ran.code == 0
    assert [int(row.split()[0]) for row in history_rows(ran.out)] == known
    assert "judged at " + moment.strftime("%Y-%m-%d %H:%M") in ran.out


def test_before_the_correction_was_recorded_the_event_is_not_marked(capsys, reader: CarePlan) -> None:
    one = corrected_journey(reader)
    correction = next(f for f in reader.history(one) if f.type == "EventEnteredInError")
    ran = careplan(capsys, "replay", str(one), "--version", str(correction.version - 1))
    assert "(entered in error:" not in ran.out


def test_a_version_beyond_the_journey_is_refused_in_one_line(capsys, reader: CarePlan) -> None:
    one = next(reader.journey_ids())
    beyond = reader.get(one).version + 1
    ran = careplan(capsys, "replay", str(one), "--version", str(beyond))
    assert ran.code == 2 and ran.out == ""
    assert ran.err.count("\n") == 1 and f"no version {beyond}" in ran.err


def test_a_moment_before_the_journey_was_recorded_is_refused_in_one_line(capsys, reader: CarePlan) -> None:
    one = next(reader.journey_ids())
    ran = careplan(capsys, "replay", str(one), "--as-of", "2001-01-01T00:00:00+00:00")
    assert ran.code == 2 and ran.err.count("\n") == 1 and "not yet recorded" in ran.err
