"""The day view (/schedule): chairs by hour on the clinic's clock, who is booked, in the chair and
awaiting discharge, a logged read, printable; and the booking in the timeline's "Due next"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from careplan.audit.access_log import access_log_for
from careplan.domain.values import Actor
from tests.conftest import Clock
from tests.web.conftest import People, make_web_app

CLINICIAN = Actor("dr", "clinician")
CONSULT = {"eligible": True, "prior_antidepressant_trials": 3, "psychotherapy_tried": True}
TUESDAY_10 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 EST


@pytest.fixture
def site(tmp_path: Path, clock: Clock) -> Any:
    clock.now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    env = {
        "CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'careplan.sqlite'}",
        "CAREPLAN_INSTANCE": str(tmp_path / "instance"),
        "CAREPLAN_TIMEZONE": "America/New_York",
        "CAREPLAN_MODE": "demo",
    }
    app = make_web_app(tmp_path, clock, CAREPLAN_ENV=env)
    people = People(app)
    client = app.test_client()
    people.login(client, "coordinator")
    client.get("/dashboard")
    app.config["PEOPLE"] = people
    yield app, client, app.extensions["careplan"]
    app.extensions["careplan"].close()


def booked(plan: Any, ref: str, when: datetime, chair: int) -> Any:
    jid = plan.open_journey(ref, actor=CLINICIAN, occurred_at=when - timedelta(days=2))
    plan.record(jid, "ConsultationCompleted", CONSULT, actor=CLINICIAN, occurred_at=when - timedelta(days=2))
    plan.record(
        jid,
        "InfusionScheduled",
        {"phase": "induction", "scheduled_for": when.isoformat(), "chair": chair},
        actor=CLINICIAN,
    )
    return jid


def test_the_day_shows_bookings_by_chair_and_hour_in_local_time(site: Any, clock: Clock) -> None:
    app, client, plan = site
    jid = booked(plan, "MRN-DAY-1", TUESDAY_10, 2)
    booked(plan, "MRN-DAY-2", TUESDAY_10 + timedelta(hours=3), 1)
    page = client.get("/schedule?date=2026-03-03")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "MRN-DAY-1" in html and "MRN-DAY-2" in html
    assert "10:00–11:00" in html and "13:00–14:00" in html
    assert "Open 09:00 to 17:00 America/New_York" in html
    assert "@media print" in client.get("/static/careplan.css").get_data(as_text=True)
    assert "MRN-DAY-1" not in client.get("/schedule?date=2026-03-04").get_data(as_text=True)
    # the timeline's Due next shows the booking on the clinic's clock
    timeline = client.get(f"/journeys/{jid}").get_data(as_text=True)
    assert "Booked induction infusion, chair 2" in timeline and "2026-03-03 10:00 EST" in timeline


def test_who_is_in_the_chair_and_who_awaits_discharge(site: Any, clock: Clock) -> None:
    app, client, plan = site
    seated = booked(plan, "MRN-SEATED", TUESDAY_10, 1)
    given = booked(plan, "MRN-GIVEN", TUESDAY_10, 2)
    booked(plan, "MRN-MISSED", TUESDAY_10 - timedelta(hours=1), 3)
    clock.now = TUESDAY_10 + timedelta(minutes=5)
    for jid in (seated, given):
        plan.record(
            jid, "VitalsRecorded", {"phase": "pre", "systolic": 120, "diastolic": 80, "heart_rate": 70}, actor=CLINICIAN
        )
    app.config["PEOPLE"].login(client, "coordinator")  # the clock moved past the session's idle limit
    html = client.get("/schedule").get_data(as_text=True)  # today, on the clinic's clock
    assert "Tuesday 03 March 2026" in html
    assert html.count("seat seat-in-the-chair") == 2
    assert html.count("seat seat-missed") == 1


def test_seat_states_at_their_boundaries() -> None:
    from careplan.booking import LedgerRow
    from careplan.domain.booking import Booking
    from web.schedule import BOOKED, DISCHARGE, DONE, IN_CHAIR, MISSED, seat_state

    b = Booking(1, TUESDAY_10, TUESDAY_10 + timedelta(hours=1))
    row = LedgerRow(b, None, 3, None)  # type: ignore[arg-type]
    given = LedgerRow(b, None, 3, TUESDAY_10 + timedelta(minutes=45))  # type: ignore[arg-type]
    assert seat_state(row, None, TUESDAY_10) == BOOKED
    assert seat_state(row, None, b.end) == MISSED
    assert seat_state(row, TUESDAY_10 - timedelta(minutes=10), TUESDAY_10) == IN_CHAIR
    assert seat_state(row, TUESDAY_10 - timedelta(days=2), TUESDAY_10) == BOOKED  # vitals of an earlier visit
    assert seat_state(given, None, b.end - timedelta(minutes=1)) == DISCHARGE
    assert seat_state(given, None, b.end) == DONE


def test_the_day_view_is_a_logged_read_without_patient_data(site: Any) -> None:
    app, client, plan = site
    booked(plan, "MRN-LOGGED", TUESDAY_10, 1)
    client.get("/schedule?date=2026-03-03")
    entries = access_log_for(plan).search(limit=100).entries
    mine = [e for e in entries if e.action == "GET /schedule"]
    assert mine and mine[0].asked == {"date": "2026-03-03"}
    assert "MRN" not in repr(entries)


def test_a_bad_date_is_a_400_page_that_says_what_is_wanted(site: Any) -> None:
    _, client, _ = site
    for asked in ("tuesday", "9999-12-31", "0001-01-01", "9" * 5000):
        response = client.get(f"/schedule?date={asked}")
        assert response.status_code == 400, asked
        assert "must be a date from 1900-01-01 to 2199-12-31" in response.get_data(as_text=True)
    assert client.get("/schedule?date=2199-12-31").status_code == 200
    assert client.get("/schedule?date=1900-01-01").status_code == 200


def test_the_booking_form_proposes_slots_and_a_taken_chair_is_a_409_with_the_rule(site: Any) -> None:
    import re

    from tests.web.conftest import csrf

    app, client, plan = site
    booked(plan, "MRN-FIRST", TUESDAY_10, 1)
    # The second patient's own booking is a week on: the slots and the booking keep 48 h from it.
    second = booked(plan, "MRN-SECOND", TUESDAY_10, 2)
    plan.record(second, "InfusionCancelled", {"phase": "induction"}, actor=CLINICIAN, reason="Moved a week on")
    week_on = {"phase": "induction", "scheduled_for": (TUESDAY_10 + timedelta(days=7)).isoformat(), "chair": 2}
    plan.record(second, "InfusionScheduled", week_on, actor=CLINICIAN)
    form_page = client.get(f"/journeys/{second}/events/new?type=InfusionScheduled&phase=induction").get_data(
        as_text=True
    )
    assert "Proposed slots" in form_page and "2026-03-02 09:00 EST · chair 1" in form_page
    version = re.search(r'name="expected_version" value="(\d+)"', form_page).group(1)  # type: ignore[union-attr]
    answer = client.post(
        f"/journeys/{second}/events/new",
        data={
            "csrf_token": csrf(client),
            "type": "InfusionScheduled",
            "expected_version": version,
            "nonce": "n-taken",
            "phase": "induction",
            "scheduled_for": "2026-03-03 10:30",
            "chair": "1",
        },
    )
    assert answer.status_code == 409
    text = answer.get_data(as_text=True)
    assert 'data-rule="chair_taken"' in text
    assert "Chair 1 is not free from 10:30 to 11:30 EST on Tue 2026-03-03" in text  # plain words, clinic time
    assert "+00:00" not in text and "/slots" not in text
