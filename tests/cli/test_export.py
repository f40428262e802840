"""``careplan export``: every event of every journey as one JSON object per line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from careplan.application import CarePlan
from careplan.domain import chain
from tests.cli.conftest import careplan

pytestmark = pytest.mark.usefixtures("cohort_env")

FIELDS = {"journey_id", "version", "type", "occurred_at", "recorded_at", "actor", "reason", "data", "hash"}


def all_events(reader: CarePlan) -> int:
    return sum(reader.get(one).version for one in reader.journey_ids())


def test_export_writes_one_json_line_per_event_of_every_journey(capsys, reader: CarePlan) -> None:
    ran = careplan(capsys, "export")
    assert ran.code == 0 and ran.err == ""
    lines = ran.out.splitlines()
    assert len(lines) == all_events(reader)
    records = [json.loads(line) for line in lines]
    assert all(FIELDS <= set(r) for r in records)
    assert {r["journey_id"] for r in records} == {str(one) for one in reader.journey_ids()}
    assert all(set(r["actor"]) == {"id", "role"} for r in records)


def test_each_exported_event_carries_its_link_of_the_hash_chain(capsys, reader: CarePlan) -> None:
    one = next(reader.journey_ids())
    records = [json.loads(line) for line in careplan(capsys, "export", "--journey", str(one)).out.splitlines()]
    history = reader.history(one)
    assert [r["version"] for r in records] == [f.version for f in history]
    assert [r["hash"] for r in records] == [f.hash for f in history]
    second = history[1]
    assert records[1]["hash"] == chain.link(
        history[0].hash,
        journey_id=one,
        version=2,
        event_type=second.type,
        occurred_at=second.occurred_at,
        recorded_at=second.recorded_at,
        actor=second.actor,
        reason=second.reason,
        data=second.data,
    )


def test_exported_times_and_data_are_json_and_corrections_are_flagged(capsys, reader: CarePlan) -> None:
    records = [json.loads(line) for line in careplan(capsys, "export").out.splitlines()]
    scheduled = next(r for r in records if r["type"] == "InfusionScheduled")
    assert scheduled["data"]["scheduled_for"].endswith("+00:00")
    assert records[0]["occurred_at"].endswith("+00:00")
    correction = next(r for r in records if r["type"] == "EventEnteredInError")
    target = next(
        r for r in records if r["journey_id"] == correction["journey_id"] and r["version"] == correction["data"]["target_version"]
    )
    assert target["entered_in_error"] is True and correction["reason"]


def test_export_to_a_file_writes_the_same_lines(capsys, reader: CarePlan, tmp_path: Path) -> None:
    target = tmp_path / "events.jsonl"
    ran = careplan(capsys, "export", "--output", str(target))
    assert ran.code == 0 and ran.out == ""
    assert target.read_text("utf-8") == careplan(capsys, "export").out
    assert not list(tmp_path.glob("*.partial"))
