"""The booking rules at their boundaries: opening hours (across the March and November changes in
America/New_York), chair numbers, half-open overlaps, and slots kept inside spacing and window."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from careplan.domain.booking import Booking, check_booking, free_slots, overlaps
from careplan.domain.clinic import WEEKDAYS, Hours, clinic
from careplan.domain.errors import RuleViolation
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


def test_slots_keep_the_spacing_after_the_last_infusion() -> None:
    j = Journey(now=datetime(2026, 3, 2, 15, 0, tzinfo=UTC)).ready_for_induction()
    j.give_infusion()  # Wed 4 March 10:00 EST
    slots = free_slots(NY, j.record_of(), [], j.now, 1)
    assert slots[0].start == j.last("InfusionCompleted").occurred_at + timedelta(hours=48)


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
