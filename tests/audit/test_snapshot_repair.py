"""A snapshot whose head is no stored event's hash (what the threaded server's race stored before issue
18's fix) is not used at load, and ``careplan verify --repair`` drops it, on both stores."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from careplan.application import CarePlan, replay
from careplan.audit import stored
from careplan.audit.verify import verify_store
from careplan.domain.journey import PatientJourney
from careplan.domain.record import state_fields
from careplan.entrypoints.cli.main import main
from tests.application.steps import CLINICIAN, data
from tests.audit.test_db_roles import app_role, app_url  # noqa: F401 - fixtures: the role of `db setup`


def with_phantom_snapshot(app: CarePlan) -> UUID:
    """A journey of 4 stored events and, at version 3, the snapshot of an attempt that was never stored
    (a hold-worthy blood pressure where a normal one is stored)."""
    journey_id = app.open_journey("MRN-PHANTOM-1", actor=CLINICIAN)
    app.record(journey_id, "NoteAdded", data("NoteAdded"), actor=CLINICIAN)
    attempt = app.get(journey_id)
    app.record(journey_id, "VitalsRecorded", data("VitalsRecorded", systolic=107, diastolic=70), actor=CLINICIAN)
    attempt.record(
        "VitalsRecorded", data("VitalsRecorded", systolic=189, diastolic=70), actor=CLINICIAN,
        occurred_at=app.clock(), reason=None, now=app.clock(), resolve=app.protocol,
    )  # fmt: skip
    assert app.snapshots is not None
    app.snapshots.put([PatientJourney.Snapshot.take(attempt)])
    app.record(journey_id, "NoteAdded", data("NoteAdded"), actor=CLINICIAN)
    return journey_id


def same_record(a: Any, b: Any) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in state_fields())


def test_a_phantom_snapshot_is_not_used_at_load_and_is_logged_once(
    app: CarePlan, caplog: pytest.LogCaptureFixture
) -> None:
    journey_id = with_phantom_snapshot(app)
    caplog.set_level(logging.WARNING, "careplan.integrity")
    journey = app.get(journey_id)
    app.get(journey_id)
    history = app.history(journey_id)
    assert journey.version == 4 and journey.head == history[-1].hash
    from_events = replay(None, app.events.get(journey_id))
    (phantom,) = [state for _, state in stored.snapshots(app, journey_id)]
    assert phantom is not None and not same_record(phantom["chart"], from_events.chart), "the phantom differs"
    assert same_record(journey.chart, from_events.chart), "what is shown is the fold of what is stored"
    notes = [r.getMessage() for r in caplog.records if "is not used" in r.getMessage()]
    assert len(notes) == 1 and "MRN" not in notes[0] and str(journey_id) in notes[0]


def test_verify_repair_drops_the_phantom_and_then_verifies(
    store_url: str, make_app: Callable[..., CarePlan], clock: Any, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    app = make_app(store_url, clock)
    journey_id = with_phantom_snapshot(app)
    (found,) = verify_store(app).breaks
    assert (found.journey_id, found.version, found.problem) == (journey_id, 3, "snapshot_mismatch")
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", store_url)
    assert main(["verify"]) == 1
    capsys.readouterr()
    assert main(["verify", "--repair"]) == 0
    out = capsys.readouterr().out
    assert f"journey {journey_id}: dropped the snapshots at versions 3" in out and "every link holds" in out
    assert list(stored.snapshots(app, journey_id)) == []
    assert main(["verify", "--repair"]) == 0
    assert "dropped 0 snapshots" in capsys.readouterr().out


def test_a_true_snapshot_is_kept_by_repair(store_url: str, make_app: Callable[..., CarePlan], clock: Any) -> None:
    from careplan.audit.repair import drop_unproven_snapshots

    app = make_app(store_url, clock, snapshot_interval=2)
    journey_id = app.open_journey("MRN-TRUE-1", actor=CLINICIAN)
    for _ in range(4):
        app.record(journey_id, "NoteAdded", data("NoteAdded"), actor=CLINICIAN)
    assert [v for v, _ in stored.snapshots(app, journey_id)] == [2, 4]
    assert drop_unproven_snapshots(app) == {}
    assert [v for v, _ in stored.snapshots(app, journey_id)] == [2, 4]


@pytest.mark.postgres
def test_repair_as_the_app_role_says_in_one_line_who_may(
    request: pytest.FixtureRequest, make_app: Callable[..., CarePlan], clock: Any, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    role_url = request.getfixturevalue("app_url")  # the least-privilege role of `careplan db setup`
    with_phantom_snapshot(make_app(role_url, clock, create_tables=False))
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", role_url)
    assert main(["verify", "--repair"]) == 2
    err = capsys.readouterr().err  # the load's own warning (logged) may come before the refusal
    line = err.strip().splitlines()[-1]
    assert "Traceback" not in err and line.startswith("careplan verify: ")
    assert "may not delete snapshots" in line and "careplan db setup" in line

