"""Keyset cursors, counters kept with the rows, the clinic's day passed by the caller, and views of an
older shape rebuilt on start."""

from __future__ import annotations

from datetime import timedelta

import pytest

from events.read.paging import BadCursor
from events.read.runtime import read_side_for
from events.read.store import ReadStore
from tests.scheduling.journeys import CLINICIAN, phq9, record


def test_pages_by_cursor_walk_the_same_rows_as_pages_by_offset(app, clock):
    for i in range(7):
        app.open_journey(f"MRN-{i}", actor=CLINICIAN)
        clock.advance(minutes=1)
    side = read_side_for(app)
    by_offset = [s.journey_id for o in (0, 3, 6) for s in side.journeys(offset=o, limit=3).items]
    by_cursor, after = [], None
    for _ in range(3):
        page = side.journeys(limit=3, after=after)
        by_cursor += [s.journey_id for s in page.items]
        after = page.next_after
    assert by_cursor == by_offset and len(set(by_cursor)) == 7 and after is None
    with pytest.raises(BadCursor):
        side.journeys(after="not-a-cursor")


def test_counters_equal_a_recount_as_journeys_close_pause_and_raise_alerts(app, clock):
    ids = [app.open_journey(f"MRN-{i}", actor=CLINICIAN) for i in range(5)]
    side = read_side_for(app)
    record(app, ids[0], "JourneyClosed", reason="Moved away.", outcome="transferred")
    record(app, ids[1], "JourneyPaused", reason="Travelling.")
    phq9(app, ids[2], 1, "other")
    counts = read_side_for(app).counts(clock.now)
    assert (counts["total"], counts["active"], counts["paused"], counts["closed"]) == (5, 3, 1, 1)
    assert (counts["on_hold"], counts["safety_alerts"]) == (1, 1)
    record(app, ids[1], "JourneyResumed")
    assert read_side_for(app).counts(clock.now)["on_hold"] == 0
    with side.store.read() as cur:
        recount = cur.run("SELECT COUNT(*) AS n FROM read_journeys WHERE status = 'active'").one()["n"]
    assert read_side_for(app).counts(clock.now)["active"] == recount == 4


def test_due_today_is_the_day_the_caller_names(app, clock):
    journey = app.open_journey("MRN-DAY", actor=CLINICIAN)  # consultation due 7 days on, at 09:00 UTC
    side = read_side_for(app)
    due = clock.now + timedelta(days=7)
    evening_before = due - timedelta(hours=14)  # 19:00 UTC the day before
    assert side.worklist("due_today", evening_before).total == 1  # no day given: the next 24 hours
    day_before = (due.replace(hour=0) - timedelta(days=1), due.replace(hour=0))
    assert side.worklist("due_today", evening_before, today=day_before).total == 0
    in_new_york = (due.replace(hour=5) - timedelta(days=1), due.replace(hour=5))  # local day, UTC-5
    assert [s.journey_id for s in side.worklist("due_today", evening_before, today=in_new_york).items] == []
    that_day = (due.replace(hour=5), due.replace(hour=5) + timedelta(days=1))
    morning = due - timedelta(hours=2)
    assert [s.journey_id for s in side.worklist("due_today", morning, today=that_day).items] == [journey]
    assert side.counts(morning, today=that_day)["due_today"] == 1


def test_views_of_an_older_shape_are_dropped_and_rebuilt_from_the_events(make_app, sqlite_url, clock):
    app = make_app(sqlite_url, clock)
    journey = app.open_journey("MRN-OLD", actor=CLINICIAN)
    store = ReadStore(app)
    with store.write() as cur:
        cur.run("DELETE FROM read_tracking WHERE application_name = '__read_schema__'")
        cur.run("DROP TABLE read_journeys")
        cur.run("CREATE TABLE read_journeys (journey_id TEXT PRIMARY KEY, open_alerts INTEGER)")
    fresh = make_app(sqlite_url, clock)
    side = read_side_for(fresh)
    assert side.summary(journey) is not None and side.counts(clock.now)["total"] == 1
