"""The clinic's local day, opening hours and daylight-saving changes (America/New_York, 2026:
clocks go forward on 8 March at 02:00 and back on 1 November at 02:00)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from careplan.domain.clinic import Hours, NonexistentLocalTime, clinic

NINE_TO_FIVE = {day: Hours(time(9), time(17)) for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}
NEW_YORK = clinic("America/New_York", NINE_TO_FIVE, chairs=4)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def test_a_winter_day_in_new_york_starts_at_five_utc_and_lasts_24_hours() -> None:
    start, end = NEW_YORK.day_bounds(date(2026, 3, 2))
    assert start == at("2026-03-02T05:00:00+00:00")
    assert end - start == timedelta(hours=24)


def test_the_march_change_day_lasts_23_hours() -> None:
    start, end = NEW_YORK.day_bounds(date(2026, 3, 8))
    assert (start, end) == (at("2026-03-08T05:00:00+00:00"), at("2026-03-09T04:00:00+00:00"))


def test_the_november_change_day_lasts_25_hours() -> None:
    start, end = NEW_YORK.day_bounds(date(2026, 11, 1))
    assert end - start == timedelta(hours=25)


def test_a_local_time_in_the_spring_gap_is_refused_with_a_sentence() -> None:
    with pytest.raises(NonexistentLocalTime, match="2026-03-08 02:30 does not exist in America/New_York"):
        NEW_YORK.to_utc(datetime(2026, 3, 8, 2, 30))


def test_a_local_time_in_the_autumn_overlap_is_its_first_occurrence() -> None:
    assert NEW_YORK.to_utc(datetime(2026, 11, 1, 1, 30)) == at("2026-11-01T01:30:00-04:00")


def test_a_local_afternoon_is_stored_as_the_utc_instant_it_is() -> None:
    assert NEW_YORK.to_utc(datetime(2026, 3, 9, 15, 30)) == at("2026-03-09T19:30:00+00:00")
    assert NEW_YORK.to_utc(datetime(2026, 3, 2, 15, 30)) == at("2026-03-02T20:30:00+00:00")


def test_an_evening_appointment_stays_on_its_local_day() -> None:
    assert NEW_YORK.today(at("2026-03-09T23:30:00-04:00")) == date(2026, 3, 9)


def test_open_means_inside_one_days_hours_on_the_local_clock() -> None:
    nine_edt = at("2026-03-09T09:00:00-04:00")
    assert NEW_YORK.is_open(nine_edt, nine_edt + timedelta(hours=1))
    assert not NEW_YORK.is_open(nine_edt - timedelta(minutes=30), nine_edt + timedelta(minutes=30))
    assert not NEW_YORK.is_open(at("2026-03-09T16:30:00-04:00"), at("2026-03-09T17:30:00-04:00"))
    saturday = at("2026-03-07T10:00:00-05:00")
    assert not NEW_YORK.is_open(saturday, saturday + timedelta(hours=1))
    assert not NEW_YORK.is_open(nine_edt, nine_edt)


def test_chairs_are_numbered_from_one() -> None:
    assert NEW_YORK.has_chair(1) and NEW_YORK.has_chair(4)
    assert not NEW_YORK.has_chair(0) and not NEW_YORK.has_chair(5)
