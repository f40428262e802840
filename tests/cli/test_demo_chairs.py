"""The demo cohort books like a clinic: inside opening hours, on chairs that never overlap, and in the
store's chair ledger so the day view and the slots see the demo's bookings."""

from __future__ import annotations

from datetime import timedelta

from careplan.application import CarePlan
from careplan.domain.booking import overlaps, span
from tests.cli.conftest import NOW_AT


def test_demo_bookings_are_in_hours_on_free_chairs_and_in_the_ledger(reader: CarePlan) -> None:
    clinic = reader.chairs.clinic
    booked = []
    rows = reader.chairs.rows(NOW_AT - timedelta(days=400), NOW_AT + timedelta(days=400))
    assert rows, "the demo books some appointments"
    for row in rows:
        b = row.booking
        assert clinic.is_open(b.start, b.end), b
        assert clinic.has_chair(b.chair)
        journey = reader.get(row.journey_id)
        appointment = next(a for a in journey.chart.appointments if a.version == row.version)
        assert (appointment.chair, span(appointment.scheduled_for, appointment.duration_min)) == (
            b.chair,
            (b.start, b.end),
        )
        booked.append(b)
    for i, a in enumerate(booked):
        for b in booked[i + 1 :]:
            assert not (a.chair == b.chair and overlaps(a.start, a.end, b.start, b.end)), (a, b)
