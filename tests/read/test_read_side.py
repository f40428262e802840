"""The read side: worklists and counts judged against the clock, pages and filters, no patient
reference in clear, and a projection that neither skips nor double-counts (gaps in ids included)."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from eventsourcing.cryptography import AESCipher

from events.read.projection import Projector, start_runner
from events.read.rebuild import rebuild
from events.read.runtime import read_side_for, read_store_for
from tests.scheduling.cli import run_careplan
from tests.scheduling.journeys import CLINICIAN, phq9, ready_for_induction, record, schedule


def test_worklists_follow_the_clock_and_name_why_each_journey_is_on_them(app, clock):
    start = clock.now
    waiting = app.open_journey("MRN-A", actor=CLINICIAN)
    consulted = app.open_journey("MRN-B", actor=CLINICIAN)
    record(app, consulted, "ConsultationCompleted")
    record(app, consulted, "MedicationReviewed", taper_required=True)  # blocks induction
    paused = app.open_journey("MRN-C", actor=CLINICIAN)
    record(app, paused, "JourneyPaused", reason="Patient travelling.")
    alerted = app.open_journey("MRN-D", actor=CLINICIAN)
    phq9(app, alerted, 1, "other")  # item 9 above 0: the engine raises a safety alert at once
    side = read_side_for(app)

    counts = side.counts(start)
    assert counts["total"] == 4 and counts["active"] == 3 and counts["paused"] == 1
    assert (counts["overdue"], counts["due_today"], counts["on_hold"], counts["safety_alerts"]) == (0, 0, 1, 1)
    assert counts["blocked"] == 1
    blocked = side.worklist("blocked", start)
    assert [s.journey_id for s in blocked.items] == [consulted]
    assert "taper" in blocked.notes[consulted]

    day6 = start + timedelta(days=6, hours=1)  # consultations due on day 7: due today
    due = side.worklist("due_today", day6, step="consultation")
    assert {s.journey_id for s in due.items} == {waiting, alerted}
    assert all(note.startswith("consultation due") for note in due.notes.values())
    later = start + timedelta(days=7, minutes=1)
    # Two consultations and one contraindication screening (due 7 days after the consultation).
    assert side.counts(later)["overdue"] == 3 and side.counts(later)["due_today"] == 0
    medication = side.worklist("overdue", start + timedelta(days=8), step="contraindication_screening")
    assert [s.journey_id for s in medication.items] == [consulted]
    assert side.worklist("overdue", later, protocol="another-protocol").total == 0
    with pytest.raises(ValueError, match="not a worklist"):
        side.worklist("everything", later)


def test_journey_pages_have_totals_filters_and_search(app, clock):
    ids = [app.open_journey(f"MRN-{i:03d}", actor=CLINICIAN) for i in range(7)]
    clock.advance(minutes=1)
    record(app, ids[0], "JourneyClosed", reason="Moved away.", outcome="transferred")
    side = read_side_for(app)
    first, second = side.journeys(limit=3), side.journeys(offset=3, limit=3)
    assert first.total == 7 and len(first.items) == 3 and first.has_more
    assert not {s.journey_id for s in first.items} & {s.journey_id for s in second.items}
    assert side.journeys(status="closed").total == 1
    assert [s.journey_id for s in side.journeys(search="MRN-004").items] == [ids[4]]
    assert side.journeys(search="MRN-00").total == 7  # any part of a reference (tests/read/test_search.py)
    assert [s.journey_id for s in side.journeys(search=str(ids[5])[:8]).items] == [ids[5]]
    summary = side.summary(ids[2])
    assert summary is not None and summary.patient_ref == "MRN-002" and summary.current_step == "consultation"


def test_with_a_cipher_no_patient_reference_is_stored_in_clear_in_the_read_tables(make_app, store_url, clock, tmp_path):
    app = make_app(store_url, clock, cipher_key=AESCipher.create_key(32))
    journey = app.open_journey("MRN-SECRET-77", actor=CLINICIAN)
    side = read_side_for(app)
    assert side.summary(journey).patient_ref == "MRN-SECRET-77"
    assert [s.journey_id for s in side.journeys(search="MRN-SECRET-77").items] == [journey]
    with side.store.read() as cur:
        rows = [dict(r) for t in ("read_journeys", "read_steps", "read_due") for r in cur.run(f"SELECT * FROM {t}").all()]
    dumped = b"".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for r in rows for v in r.values())
    assert b"MRN-SECRET" not in dumped


def test_catching_up_twice_counts_nothing_twice(app, clock):
    ids = [app.open_journey(f"MRN-{i}", actor=CLINICIAN) for i in range(5)]
    projector = Projector(app, read_store_for(app))
    assert projector.catch_up() == 15  # notifications: each opening also starts and claims its patient index
    assert projector.catch_up() == 0
    record(app, ids[0], "ConsultationCompleted")
    assert projector.catch_up() == 1
    assert read_side_for(app).counts(clock.now)["total"] == 5


@pytest.mark.postgres
def test_a_gap_left_by_a_rolled_back_insert_is_neither_waited_on_nor_skipped_over(make_app, postgres_url, clock):
    app = make_app(postgres_url, clock)
    first = app.open_journey("MRN-1", actor=CLINICIAN)
    store = read_store_for(app)
    Projector(app, store).catch_up()
    with psycopg.connect(postgres_url) as conn:  # a writer whose transaction rolls back burns ids
        conn.execute("SELECT nextval('careplan_events_notification_id_seq') FROM generate_series(1, 5)")
        conn.rollback()
    second = app.open_journey("MRN-2", actor=CLINICIAN)
    record(app, first, "ConsultationCompleted")
    ids = [n.id for n in app.recorder.select_notifications(start=1, limit=20)]
    assert ids[-4] - ids[-5] > 1, "no gap was made"  # the second opening writes 3 rows (its index's 2)
    assert Projector(app, store).catch_up() == 4
    side = read_side_for(app)
    assert side.summary(second) is not None and side.summary(first).version == 2
    assert store.position() == ids[-1]


@pytest.mark.postgres
def test_the_librarys_projection_runner_follows_writes_made_through_another_application(make_app, postgres_url, clock):
    reader, writer = make_app(postgres_url, clock), make_app(postgres_url, clock)
    store = read_store_for(reader)
    runner = start_runner(reader, store)
    try:
        journey = writer.open_journey("MRN-RUN", actor=CLINICIAN)
        version = record(writer, journey, "ConsultationCompleted")
        runner.wait(writer.recorder.max_notification_id(), timeout=10)
    finally:
        runner.__exit__(None, None, None)
    summary = read_side_for(reader, catch_up=False).summary(journey)
    assert summary is not None and summary.version == version


def test_a_rebuild_equals_the_view_kept_up_to_date_along_the_way(app, clock):
    journeys = [app.open_journey(f"MRN-{i}", actor=CLINICIAN) for i in range(6)]
    projector = Projector(app, read_store_for(app))
    for index, journey in enumerate(journeys):
        clock.advance(hours=5)
        if index % 2:
            ready_for_induction(app, journey)
            schedule(app, journey, clock.now + timedelta(days=3))
        projector.catch_up()  # kept up to date step by step, at different moments
    clock.advance(days=30)  # time passing alone must not make the rebuilt view differ
    report = rebuild(app, read_store_for(app))
    assert report.equal, report.differences[:3]
    assert report.compared == 6
    assert read_side_for(app).counts(clock.now)["total"] == 6


def test_projections_rebuild_on_the_command_line_shows_progress_and_checks_equality(make_app, sqlite_url, clock):
    app = make_app(sqlite_url, clock)
    for i in range(3):
        app.open_journey(f"MRN-{i}", actor=CLINICIAN)
    read_side_for(app)
    result = run_careplan(sqlite_url, "projections", "rebuild", "--view", "journeys")
    assert result.returncode == 0, result.stderr
    assert "equal to the live view (3 journeys compared)" in result.stdout
    assert "[" in result.stderr and "3/3" in result.stderr
    refused = run_careplan(sqlite_url, "projections", "rebuild", "--view", "everything")
    assert refused.returncode == 2


def test_only_steps_a_list_can_show_have_rows(app):
    """A step with no due time and nothing blocking it is on no worklist, so it costs no row: a new
    journey's nine open steps are one row (the consultation, due in seven days)."""
    fresh = app.open_journey("MRN-ROWS-1", actor=CLINICIAN)
    blocked = app.open_journey("MRN-ROWS-2", actor=CLINICIAN)
    record(app, blocked, "ConsultationCompleted")
    record(app, blocked, "MedicationReviewed", taper_required=True)
    store = read_store_for(app)
    Projector(app, store).catch_up()
    with store.read() as cur:
        rows = [dict(r) for r in cur.run("SELECT journey_id, step, blocked, overdue_ts FROM read_steps").all()]
    assert {r["step"] for r in rows if r["journey_id"] == str(fresh)} == {"consultation"}
    assert all(r["overdue_ts"] is not None or r["blocked"] for r in rows)
    assert any(r["journey_id"] == str(blocked) and r["blocked"] for r in rows)


def test_a_window_over_more_journeys_than_the_cache_holds_equals_a_rebuild(app, clock, monkeypatch):
    """Interleaved events of eight journeys, read three notifications a query into one window by a
    projector whose cache holds two: journeys fall out of the cache mid-window and are carried by the
    window, and what it writes equals a rebuild from the history."""
    import events.read.projection as projection

    journeys = [app.open_journey(f"MRN-W{i}", actor=CLINICIAN) for i in range(8)]
    for turn in range(3):
        for journey in journeys:
            record(app, journey, "NoteAdded", text=f"note {turn}")
    record(app, journeys[3], "ConsultationCompleted")
    monkeypatch.setattr(projection, "CHUNK", 3)
    projector = Projector(app, read_store_for(app))
    projector.folder.size = 2
    taken = projector.catch_up()
    assert taken == app.recorder.max_notification_id()
    assert projector.folder.loads == 0  # every journey folded from its notifications, none reloaded
    report = rebuild(app, read_store_for(app))
    assert report.equal, report.differences[:3]
    assert report.compared == 8


def test_a_window_ends_once_it_has_touched_its_share_of_journeys(app, monkeypatch):
    """A window holds each journey it touched, folded, until its rows are written: it ends when it
    has touched ``WINDOW_JOURNEYS`` of them, however few notifications that was, and the windows
    together write what a rebuild writes."""
    import events.read.projection as projection

    journeys = [app.open_journey(f"MRN-J{i}", actor=CLINICIAN) for i in range(8)]
    for turn in range(2):
        for journey in journeys:
            record(app, journey, "NoteAdded", text=f"note {turn}")
    monkeypatch.setattr(projection, "CHUNK", 2)
    monkeypatch.setattr(projection, "WINDOW_JOURNEYS", 3)
    windows: list[int] = []
    projector = Projector(app, read_store_for(app))
    taken = projector.catch_up(progress=lambda done, goal: windows.append(done))
    assert taken == app.recorder.max_notification_id()
    assert len(windows) >= 3 and windows == sorted(windows) and windows[-1] == taken
    report = rebuild(app, read_store_for(app))
    assert report.equal, report.differences[:3]
    assert report.compared == 8


def test_the_collector_is_paused_for_a_window_and_resumed_only_by_the_last_of_two():
    import gc

    from events.read.collection import collection_paused

    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():  # a second catch-up (another thread) overlapping the first
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("a window that fails")
    assert gc.isenabled()
    gc.disable()  # a process that turned the collector off keeps it off
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.postgres
def test_a_rebuild_on_postgresql_leaves_the_planner_statistics_on_the_new_rows(make_app, postgres_url, clock):
    """Without them a reference search right after a bulk load took half a second (planned blind)."""
    app = make_app(postgres_url, clock)
    for i in range(3):
        app.open_journey(f"MRN-STATS-{i}", actor=CLINICIAN)

    def analyzed() -> set[str]:
        with psycopg.connect(postgres_url) as conn:  # this test's own database only
            rows = conn.execute("SELECT DISTINCT tablename FROM pg_stats WHERE tablename LIKE 'read_%'").fetchall()
        return {r[0] for r in rows}

    read_side_for(app)
    assert "read_journeys" not in analyzed()
    assert rebuild(app, read_store_for(app)).equal
    assert {"read_journeys", "read_steps", "read_grams"} <= analyzed()
