"""AppointmentMissed (DESIGN 6.2): a booking missed_after_hours past with no infusion since is recorded
missed exactly once, by two schedulers, after a restart and by a backfill with ``tick --now``."""

from __future__ import annotations

from careplan.entrypoints.scheduling.sweep import sweep
from events.read.runtime import read_side_for, read_store_for
from tests.scheduling.cli import run_careplan
from tests.scheduling.journeys import CLINICIAN, infuse, ready_for_induction, record, schedule
from tests.scheduling.test_walkthrough import day

MISSED = "AppointmentMissed"


def missed_events(app, journey):  # type: ignore[no-untyped-def]
    return [f for f in app.history(journey) if f.type == "AppointmentMissed"]


def test_a_missed_booking_is_recorded_once_by_two_schedulers_a_restart_and_a_backfill(make_app, sqlite_url, clock):
    clock.now = day(1)
    app = make_app(sqlite_url, clock)
    journey = app.open_journey("MRN-MISS", actor=CLINICIAN)
    ready_for_induction(app, journey)
    booked = schedule(app, journey, day(3))
    other = make_app(sqlite_url, clock)  # a second scheduler on the same store
    stores = [read_store_for(app), read_store_for(other)]

    clock.now = day(3, 10, 59)  # 1 h 59 min after the booked time: not missed yet
    assert [
        e
        for s, a in zip(stores, (app, other), strict=True)
        for e in sweep(a, s, clock.now).recorded
        if e.type == MISSED
    ] == []
    clock.now = day(3, 11, 0)
    recorded = [
        e
        for s, a in zip(stores, (app, other), strict=True)
        for e in sweep(a, s, clock.now).recorded
        if e.type == MISSED
    ]
    assert [(e.type, e.key) for e in recorded] == [("AppointmentMissed", f"missed:{booked}")]
    assert recorded[0].occurred_at == day(3, 11)

    app.close()
    restarted = make_app(sqlite_url, clock)
    assert [e for e in sweep(restarted, read_store_for(restarted), day(5)).recorded if e.type == MISSED] == []
    restarted.close()
    other.close()
    backfill = run_careplan(sqlite_url, "tick", "--now", day(6).isoformat())
    assert backfill.returncode == 0, backfill.stderr
    assert "AppointmentMissed" not in backfill.stdout

    again = make_app(sqlite_url, clock)
    (fact,) = missed_events(again, journey)
    assert fact.data == {"scheduled_version": booked, "key": f"missed:{booked}"}
    induction = again.get(journey).view(again.protocol, day(6)).steps["induction"]
    assert ("overdue", f"Infusion booked for {day(3):%Y-%m-%d %H:%M} UTC was missed.") in [
        (f.kind, f.reason) for f in induction.flags
    ]
    assert again.get(journey).clinical_record(again.protocol).next_appointment() is None  # settled
    overdue = read_side_for(again).worklist("overdue", day(6))
    assert [s.journey_id for s in overdue.items] == [journey]
    # Said as missed at its booked time, not "overdue since" a due date that may lie days ahead.
    assert overdue.notes[journey] == f"induction: the booking at {day(3):%Y-%m-%d %H:%M} UTC was missed"


def test_a_backfill_alone_records_the_missed_booking_once(make_app, sqlite_url, clock):
    clock.now = day(1)
    app = make_app(sqlite_url, clock)
    journey = app.open_journey("MRN-BACK", actor=CLINICIAN)
    ready_for_induction(app, journey)
    booked = schedule(app, journey, day(3))
    app.close()
    first = run_careplan(sqlite_url, "tick", "--now", day(9).isoformat())
    assert f"{journey} AppointmentMissed missed:{booked} {day(3, 11).isoformat()}" in first.stdout.splitlines()
    second = run_careplan(sqlite_url, "tick", "--now", day(9).isoformat())
    assert "AppointmentMissed" not in second.stdout


def test_an_infusion_given_before_the_deadline_is_no_missed_booking(make_app, sqlite_url, clock):
    clock.now = day(1)
    app = make_app(sqlite_url, clock)
    journey = app.open_journey("MRN-KEPT", actor=CLINICIAN)
    ready_for_induction(app, journey)
    schedule(app, journey, day(3))
    clock.now = day(3, 10)
    infuse(app, journey)
    sweep(app, read_store_for(app), day(4))
    assert missed_events(app, journey) == []


def test_a_rebooking_makes_good_the_missed_one_and_a_cancel_names_its_booking(make_app, sqlite_url, clock):
    clock.now = day(1)
    app = make_app(sqlite_url, clock)
    journey = app.open_journey("MRN-REBOOK", actor=CLINICIAN)
    ready_for_induction(app, journey)
    missed = schedule(app, journey, day(2))
    sweep(app, read_store_for(app), day(2, 12))
    clock.now = day(2, 12)
    first, second = schedule(app, journey, day(4)), schedule(app, journey, day(6))  # 48 h apart (DESIGN 7.2)
    view = app.get(journey).view(app.protocol, clock.now)
    assert not [f for f in view.steps["induction"].flags if f.kind == "overdue"]
    record(app, journey, "InfusionCancelled", reason="Patient asked", phase="induction", scheduled_version=second)
    appointments = app.get(journey).clinical_record(app.protocol).appointments
    assert [a.version for a in appointments] == [first]
    del missed
