"""The chair ledger is checked by ``verify`` against the bookings the journeys' events hold (security
finding 6: deleting every booking row passed ``verify``, and the chairs could then be booked twice).
Deleting, adding or altering a row is named; an untouched ledger, cancelled and given bookings
included, verifies; a row whose event is still being saved is not judged. Both stores."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from careplan.application import CarePlan
from careplan.audit.verify import verify_store
from careplan.entrypoints.bootstrap import build_app
from careplan.entrypoints.cli.main import main
from tests.application.steps import CLINICIAN, complete_infusion, data, ready_for_induction
from tests.conftest import Clock

COORDINATOR = CLINICIAN
TOMORROW_10 = "2026-03-03T10:00:00+00:00"


@pytest.fixture
def clinic(store_url: str) -> Iterator[tuple[CarePlan, Clock]]:
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    app = build_app({"CAREPLAN_DATABASE_URL": store_url, "CAREPLAN_MODE": "demo"}, clock=clock)
    yield app, clock
    app.close()


def sql(app: CarePlan, statement: str, params: tuple[Any, ...] = ()) -> None:
    """Writes the ledger behind the application's back, as anyone with the database's password can."""
    url = app.store.url
    if app.store.kind == "sqlite":
        with sqlite3.connect(url[len("sqlite:///") :]) as conn:
            conn.execute(statement, params)
        return
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement.replace("?", "%s"), params)


def booked(app: CarePlan, clock: Clock, chair: int, ref: str) -> tuple[UUID, int]:
    journey = ready_for_induction(app, clock, ref)
    version = app.record(journey, "InfusionScheduled", data("InfusionScheduled", scheduled_for=TOMORROW_10, chair=chair), actor=COORDINATOR)
    return journey, version


def ledger_breaks(app: CarePlan) -> list[tuple[str, int, str]]:
    report = verify_store(app)
    assert all(b.kind == "chair_booking" for b in report.breaks), report.breaks
    return sorted((str(b.journey_id), b.version, b.problem) for b in report.breaks)


@pytest.fixture
def three(clinic: tuple[CarePlan, Clock]) -> tuple[CarePlan, Clock, dict[str, tuple[UUID, int]]]:
    """One booking open, one cancelled, one whose infusion was given (its row kept, marked done)."""
    app, clock = clinic
    found = {name: booked(app, clock, chair, f"MRN-LEDGER-{chair}") for chair, name in enumerate(("open", "cancelled", "given"), 1)}
    app.record(found["cancelled"][0], "InfusionCancelled", data("InfusionCancelled"), actor=COORDINATOR, reason="Patient unwell")
    clock.now = datetime.fromisoformat(TOMORROW_10)
    complete_infusion(app, found["given"][0], clock, after=timedelta(minutes=1))
    return app, clock, found


def test_an_untouched_ledger_verifies(three: Any) -> None:
    app, _, found = three
    assert verify_store(app).ok
    rows = _rows(app)
    assert {(j, v) for j, v, _ in rows} == {(str(found["open"][0]), found["open"][1]), (str(found["given"][0]), found["given"][1])}
    assert [done for j, _, done in rows if j == str(found["given"][0])][0] is not None


def test_deleting_every_booking_is_named(three: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    app, _, found = three
    sql(app, "DELETE FROM chair_bookings")
    journey, version = found["open"]
    assert ledger_breaks(app) == [(str(journey), version, "booking_missing")]
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", app.store.url)
    capsys.readouterr()
    assert main(["verify"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"chair booking of journey {journey} version {version}: booking_missing: ")
    assert "1 chair booking(s) differ from the events" in err
    assert "MRN-LEDGER" not in out + err


def test_an_added_row_is_named(three: Any) -> None:
    app, _, found = three
    old = "2026-03-01T08:00:00+00:00"
    add = "INSERT INTO chair_bookings (journey_id, scheduled_version, chair, start_ts, end_ts, reserved_at) VALUES (?, ?, ?, ?, ?, ?)"
    stranger = uuid4()
    sql(app, add, (str(stranger), 3, 4, "2026-03-03T12:00:00+00:00", "2026-03-03T13:00:00+00:00", old))
    cancelled, version = found["cancelled"]
    sql(app, add, (str(cancelled), 2, 4, "2026-03-03T14:00:00+00:00", "2026-03-03T15:00:00+00:00", old))
    assert ledger_breaks(app) == sorted([(str(stranger), 3, "booking_unrecorded"), (str(cancelled), 2, "booking_unrecorded")])


def test_a_cancelled_booking_put_back_is_named(three: Any) -> None:
    app, _, found = three
    cancelled, version = found["cancelled"]
    sql(
        app,
        "INSERT INTO chair_bookings (journey_id, scheduled_version, chair, start_ts, end_ts, reserved_at) VALUES (?, ?, ?, ?, ?, ?)",
        (str(cancelled), version, 2, "2026-03-03T10:00:00+00:00", "2026-03-03T11:00:00+00:00", "2026-03-01T08:00:00+00:00"),
    )
    assert ledger_breaks(app) == [(str(cancelled), version, "booking_stale")]


@pytest.mark.parametrize(
    ("change", "which"),
    [
        ("UPDATE chair_bookings SET chair = 3 WHERE journey_id = ?", "open"),
        ("UPDATE chair_bookings SET start_ts = '2026-03-03T11:00:00+00:00' WHERE journey_id = ?", "open"),
        ("UPDATE chair_bookings SET end_ts = '2026-03-03T18:00:00+00:00' WHERE journey_id = ?", "given"),
        ("UPDATE chair_bookings SET done_at = '2026-03-03T09:00:00+00:00' WHERE journey_id = ?", "given"),
    ],
)
def test_an_altered_row_is_named(three: Any, change: str, which: str) -> None:
    app, _, found = three
    journey, version = found[which]
    sql(app, change, (str(journey),))
    assert ledger_breaks(app) == [(str(journey), version, "booking_altered")]


def test_a_row_whose_event_is_being_saved_is_not_judged(three: Any) -> None:
    app, clock, found = three
    journey, _ = found["open"]
    reserved = clock.now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    sql(
        app,
        "INSERT INTO chair_bookings (journey_id, scheduled_version, chair, start_ts, end_ts, reserved_at) VALUES (?, ?, ?, ?, ?, ?)",
        (str(journey), 99, 4, "2026-03-04T10:00:00+00:00", "2026-03-04T11:00:00+00:00", reserved),
    )
    assert verify_store(app).ok
    clock.advance(minutes=5)
    assert ledger_breaks(app) == [(str(journey), 99, "booking_unrecorded")]


def test_verify_of_one_journey_checks_its_bookings_only(three: Any) -> None:
    app, _, found = three
    sql(app, "DELETE FROM chair_bookings")
    assert verify_store(app, [found["given"][0]]).ok
    (found_break,) = verify_store(app, [found["open"][0]]).breaks
    assert found_break.problem == "booking_missing"


def _rows(app: CarePlan) -> list[tuple[str, int, str | None]]:
    from careplan.adapters.side_tables import SideTables

    with SideTables(app).cursor(commit=False) as run:
        return [(str(j), int(v), d) for j, v, d in run("SELECT journey_id, scheduled_version, done_at FROM chair_bookings", ())]
