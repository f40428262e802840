"""The booking rules at their boundaries: opening hours (across the March and November changes in
America/New_York), chair numbers, half-open overlaps, and slots kept inside spacing and window."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from careplan.domain.booking import Booking, check_booking, overlaps
from careplan.domain.clinic import WEEKDAYS, Hours, clinic
from careplan.domain.errors import RuleViolation
from careplan.domain.slots import free_slots, series_slots
from tests.unit.journeys import Journey

NY = clinic("America/New_York", {d: Hours(time(9), time(17)) for d in WEEKDAYS}, 4)
UTC = UTC


def refused(code: str, when: datetime, duration: int | None = None, chair: int | None = None) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        check_booking(NY, when, duration, chair)
    assert caught.value.code == code
    return caught.value


@pytest.mark.parametrize(
    ("when", "ok"),
    [
        (datetime(2026, 3, 6, 14, 0, tzinfo=UTC), True),  # Fri 09:00 EST
        (datetime(2026, 3, 6, 13, 59, tzinfo=UTC), False),  # 08:59 EST
        (datetime(2026, 3, 6, 21, 0, tzinfo=UTC), True),  # 16:00 EST, ends 17:00
        (datetime(2026, 3, 6, 21, 1, tzinfo=UTC), False),  # ends 17:01
        (datetime(2026, 3, 9, 13, 0, tzinfo=UTC), True),  # Mon 09:00 EDT (after the March change)
        (datetime(2026, 3, 9, 12, 30, tzinfo=UTC), False),  # 08:30 EDT, which was 09:30 EST last week
        (datetime(2026, 11, 2, 14, 0, tzinfo=UTC), True),  # Mon 09:00 EST (after the November change)
        (datetime(2026, 11, 2, 13, 0, tzinfo=UTC), False),  # 08:00 EST
    ],
)
def test_opening_hours_at_their_edges_and_across_dst(when: datetime, ok: bool) -> None:
    if ok:
        check_booking(NY, when, 60, None)
    else:
        assert "outside the clinic's hours" in refused("outside_clinic_hours", when, 60).message


def test_a_closed_day_says_closed() -> None:
    shut = clinic("America/New_York", {"monday": Hours(time(9), time(17))}, 2)
    with pytest.raises(RuleViolation) as caught:
        check_booking(shut, datetime(2026, 3, 3, 15, 0, tzinfo=UTC), 60, None)  # a Tuesday
    assert "closed" in caught.value.message


def test_default_duration_is_an_hour() -> None:
    check_booking(NY, datetime(2026, 3, 6, 21, 0, tzinfo=UTC), None, None)
    refused("outside_clinic_hours", datetime(2026, 3, 6, 21, 30, tzinfo=UTC))


@pytest.mark.parametrize(("chair", "ok"), [(1, True), (4, True), (5, False)])
def test_chairs_up_to_the_clinics_number(chair: int, ok: bool) -> None:
    when = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    if ok:
        check_booking(NY, when, 60, chair)
    else:
        assert "4 chairs" in refused("no_such_chair", when, 60, chair).message


def test_overlaps_are_half_open() -> None:
    a, b, c = (datetime(2026, 3, 6, h, tzinfo=UTC) for h in (10, 11, 12))
    assert not overlaps(a, b, b, c)
    assert overlaps(a, c, b, c)


def test_slots_skip_taken_chairs_and_closed_hours() -> None:
    j = Journey()
    nine = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
    taken = [Booking(c, nine, nine + timedelta(hours=1)) for c in range(1, 5)] + [
        Booking(1, nine + timedelta(hours=1), nine + timedelta(hours=2))
    ]
    slots = free_slots(NY, j.record_of(), taken, nine - timedelta(hours=3), 2)
    assert slots == [
        Booking(2, nine + timedelta(hours=1), nine + timedelta(hours=2)),
        Booking(2, nine + timedelta(hours=1.5), nine + timedelta(hours=2.5)),
    ]


def test_slots_keep_the_spacing_start_to_start() -> None:
    """DESIGN 7.9: spacing runs from the last infusion's start (its end minus its minutes), so the
    first slot is the first half hour 48 h after that start, not after its end."""
    j = Journey(now=datetime(2026, 3, 2, 15, 0, tzinfo=UTC)).ready_for_induction()
    j.give_infusion()  # ends Wed 4 March 10:00 EST after 40 minutes: started 09:20
    slots = free_slots(NY, j.record_of(), [], j.now, 1)
    started = j.last("InfusionCompleted").occurred_at - timedelta(minutes=40)
    assert slots[0].start == started + timedelta(hours=48, minutes=10)  # Fri 09:30 EST


def test_no_slot_past_the_induction_window() -> None:
    j = Journey(now=datetime(2026, 3, 2, 15, 0, tzinfo=UTC)).ready_for_induction()
    first = j.now
    j.give_infusion()
    window_end = first + timedelta(days=j.protocol.induction.window_days)
    assert free_slots(NY, j.record_of(), [], window_end - timedelta(hours=1), 5)[-1].start <= window_end
    assert free_slots(NY, j.record_of(), [], window_end + timedelta(minutes=1), 5) == []


def test_a_booked_appointment_is_due_next_and_a_missed_one_says_so() -> None:
    j = Journey(now=datetime(2026, 3, 2, 15, 0, tzinfo=UTC)).ready_for_induction()
    at = j.now + timedelta(days=1)
    j.record("InfusionScheduled", {"phase": "induction", "scheduled_for": at.isoformat(), "chair": 2})
    first = j.view().next_actions[0]
    assert (first.step, first.action, first.due_at) == ("appointment", "Booked induction infusion, chair 2", at)
    assert j.view().steps["induction"].due_at == at
    later = j.view(at + timedelta(minutes=61)).next_actions[0]
    assert later.action == "Missed induction appointment, chair 2: rebook or cancel"
    assert j.view(at + timedelta(minutes=59)).next_actions[0].action.startswith("Booked")


# -- a booking judged by the timing rules an infusion at its start would meet (DESIGN 7.2) ----------


def booked_journey() -> Journey:
    j = Journey(now=datetime(2026, 3, 2, 15, 0, tzinfo=UTC)).ready_for_induction()
    return j


def test_a_booking_47_h_after_another_open_booking_is_spacing_too_short() -> None:
    j = booked_journey()
    monday = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
    j.schedule(monday)
    refused = j.refused("spacing_too_short", "InfusionScheduled", {"phase": "induction", "scheduled_for": (monday + timedelta(hours=47)).isoformat()})
    assert refused.deviable
    j.schedule(monday + timedelta(hours=48))  # start to start: 48 h is enough


def test_a_booking_before_another_open_booking_is_measured_both_ways() -> None:
    j = booked_journey()
    later = datetime(2026, 3, 12, 15, 0, tzinfo=UTC)
    j.schedule(later)
    j.refused("spacing_too_short", "InfusionScheduled", {"phase": "induction", "scheduled_for": (later - timedelta(hours=30)).isoformat()})


def test_a_booking_under_24_h_after_the_last_administration_ended_is_never_deviable() -> None:
    j = booked_journey()
    j.give_infusion()
    data = {"phase": "induction", "scheduled_for": (j.now + timedelta(hours=23)).isoformat()}
    refused = j.refused("administration_too_soon", "InfusionScheduled", data)
    assert not refused.deviable and "Ketamine was given until" in refused.message
    j.refused("administration_too_soon", "InfusionScheduled", data, deviation="Patient travels tomorrow")
    # 30 h after: the floor holds, the spacing is deviable with a reason
    late = {"phase": "induction", "scheduled_for": (j.now + timedelta(hours=30)).isoformat()}
    j.refused("spacing_too_short", "InfusionScheduled", late)
    j.schedule(j.now + timedelta(hours=30), deviation="Patient travels from Thursday")


def test_a_booking_past_the_window_of_the_booked_series_is_induction_window_exceeded() -> None:
    j = booked_journey()
    first = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)
    j.schedule(first)  # the first of the series is only booked: it counts as if given
    data = {"phase": "induction", "scheduled_for": (first + timedelta(days=21, hours=1)).isoformat()}
    assert j.refused("induction_window_exceeded", "InfusionScheduled", data).deviable
    j.schedule(first + timedelta(days=20))


def test_a_missed_booking_whose_time_is_over_is_no_plan_any_more() -> None:
    j = booked_journey()
    j.schedule(j.now + timedelta(hours=2))
    j.advance(hours=5)  # its time passed with nothing recorded
    j.schedule(j.now + timedelta(hours=1))


def test_a_series_of_six_keeps_48_h_start_to_start_inside_hours_and_the_window() -> None:
    j = booked_journey()
    slots = series_slots(NY, j.record_of(), [], j.now, 6)
    assert len(slots) == 6
    starts = [s.start for s in slots]
    assert all(b - a >= timedelta(hours=48) for a, b in zip(starts, starts[1:]))
    assert starts[-1] - starts[0] <= timedelta(days=21)
    for s in slots:
        check_booking(NY, s.start, 60, s.chair)


def test_a_series_takes_free_chairs_and_counts_open_bookings() -> None:
    j = booked_journey()
    nine = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
    taken = [Booking(c, nine, nine + timedelta(hours=1)) for c in range(1, 5)]
    slots = series_slots(NY, j.record_of(), taken, nine - timedelta(hours=1), 2)
    assert slots[0].start == nine + timedelta(hours=1) and slots[0].chair == 1
    j.schedule(slots[0].start)
    again = series_slots(NY, j.record_of(), taken, nine - timedelta(hours=1), 1)
    assert again[0].start >= slots[0].start + timedelta(hours=48)


def test_no_series_fits_past_the_window() -> None:
    j = booked_journey()
    j.give_infusion()
    late = j.now + timedelta(days=17)
    assert len(series_slots(NY, j.record_of(), [], late, 3)) < 3
