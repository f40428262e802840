"""A journey walked through the whole protocol with scheduler sweeps at chosen moments: what becomes
due, overdue, reminded and alerted on which day (day 0 is Monday 2 March 2026, 09:00 UTC)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from careplan.entrypoints.scheduling.sweep import sweep
from events.read.runtime import read_side_for, read_store_for
from tests.scheduling.cli import run_careplan
from tests.scheduling.journeys import CLINICIAN, infuse, phq9, ready_for_induction, record, schedule

DAY0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def day(n: float, hour: int = 9, minute: int = 0) -> datetime:
    return DAY0 + timedelta(days=n, hours=hour - 9, minutes=minute)


def test_a_journey_walked_through_the_protocol_falls_due_and_overdue_on_the_right_days(make_app, sqlite_url, clock):
    app = make_app(sqlite_url, clock)
    store = read_store_for(app)

    def tick(n: float, hour: int = 9, minute: int = 0) -> list[tuple[str, str, datetime]]:
        clock.now = day(n, hour, minute)
        return [(e.type, e.key.split(":")[1], e.occurred_at) for e in sweep(app, store, clock.now).recorded]

    def at(n: float) -> None:
        clock.now = day(n)

    journey = app.open_journey("MRN-WALK", actor=CLINICIAN)
    # The consultation is due within 7 days: due on day 6 (the day before), overdue after day 7 09:00.
    assert tick(6, 8, 59) == []
    assert tick(6) == [("StepBecameDue", "consultation", day(6))]
    assert tick(7) == []
    assert tick(7, 9, 1) == [("StepOverdue", "consultation", day(7))]

    at(8)
    ready_for_induction(app, journey)
    schedule(app, journey, day(14))
    assert tick(9) == []
    # The first infusion: due the day before it is scheduled, with the 24-hour reminder.
    # The reminder then reaches the patient: its message is queued in the same sweep (DESIGN 7.7).
    assert tick(13) == [
        ("StepBecameDue", "induction", day(13)),
        ("ReminderIssued", "infusion", day(13)),
        ("NotificationQueued", "reminder", day(13)),
    ]
    for n in (14, 16, 18, 21, 23, 25):
        at(n)
        infuse(app, journey)
        assert tick(n, 10) == [], f"nothing falls due on the day of infusion on day {n}"
    # After infusion 6 (day 25): the response check may be done from day 26 (reminder), due by day 32;
    # complementary-care check-ins fall due 14 days after the first infusion (day 28).
    assert tick(26) == [("ReminderIssued", "response_check", day(26))]
    assert tick(27) == [("StepBecameDue", "complementary_care", day(27)), ("ReminderIssued", "check_in", day(27))]
    assert tick(28) == []
    assert tick(28, 9, 1) == [("StepOverdue", "complementary_care", day(28))]

    at(28)
    phq9(app, journey, 0, "response_check")
    record(app, journey, "ResponseReviewed", decision="maintenance")
    record(app, journey, "MaintenanceIntervalSet", weeks=4)
    record(app, journey, "ComplementaryCareCheckIn")
    assert tick(28, 10) == []
    # Missed sweeps are caught up, each event at the moment it fell due: the next check-in (day 42).
    assert tick(45) == [
        ("StepBecameDue", "complementary_care", day(41)),
        ("ReminderIssued", "check_in", day(41)),
        ("StepOverdue", "complementary_care", day(42)),
    ]
    # Maintenance: last infusion (day 25) + 4 weeks = day 53; reminder 7 days before; 7 days' grace.
    assert tick(51) == [("ReminderIssued", "maintenance", day(46))]
    assert tick(52) == [("StepBecameDue", "maintenance", day(52))]
    assert tick(60) == []
    assert tick(60, 9, 1) == [("StepOverdue", "maintenance", day(60))]

    at(61)
    phq9(app, journey, 2, "maintenance")  # PHQ-9 18: at or above 10 in maintenance is a relapse
    # Item 9 at 2 also raised a self-harm alert with the entry: the sweep pages the on-call clinician.
    assert tick(61, 10) == [("SafetyAlertRaised", "relapse", day(61)), ("NotificationQueued", "57", day(61, 10))]
    side = read_side_for(app)
    assert side.counts(day(61, 10))["safety_alerts"] == 1

    at(62)
    record(app, journey, "JourneyClosed", reason="Moved to another clinic.", outcome="transferred")
    assert tick(200) == []
    system = [f for f in app.history(journey) if f.actor.role == "system" and f.type != "SafetyAlertRaised"]
    keys = [f.data["key"] for f in system]
    messages = [f for f in system if f.type == "NotificationQueued"]
    assert len(keys) == len(set(keys)) == 14 + len(messages)


def test_tick_on_the_command_line_records_once_and_prints_what_it_recorded(make_app, sqlite_url, clock):
    app = make_app(sqlite_url, clock)
    journey = app.open_journey("MRN-TICK", actor=CLINICIAN)
    app.close()
    first = run_careplan(sqlite_url, "tick", "--now", day(8).isoformat())
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert f"{journey} StepBecameDue due:consultation:{day(7).isoformat()} {day(6).isoformat()}" in lines
    assert f"{journey} StepOverdue overdue:consultation:{day(7).isoformat()} {day(7).isoformat()}" in lines
    assert "MRN-TICK" not in first.stdout + first.stderr
    again = run_careplan(sqlite_url, "tick", "--now", day(8).isoformat())
    assert again.stdout.strip().endswith("0 journeys due, 0 events recorded")


def test_tick_refuses_a_malformed_time_in_one_line(sqlite_url):
    result = run_careplan(sqlite_url, "tick", "--now", "next tuesday")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "ISO 8601" in result.stderr
