"""The application on a real store (SQLite file and PostgreSQL): journeys, their history and past states."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from eventsourcing.application import project_aggregate

from careplan.domain.codes import InfusionPhase
from careplan.domain.errors import RuleViolation, UnknownJourney
from careplan.domain.values import Actor, Fact
from tests.application.steps import CLINICIAN, complete_infusion, data, ready_for_induction


def test_an_opened_journey_starts_at_version_one_with_who_when_and_why(app, clock):
    journey_id = app.open_journey("MRN-000123", actor=CLINICIAN, reason="Referred by GP")

    [opened] = app.history(journey_id)

    assert opened.version == 1
    assert opened.type == "JourneyOpened"
    assert opened.actor == CLINICIAN
    assert opened.reason == "Referred by GP"
    assert opened.recorded_at == clock.now
    assert opened.data == {"patient_ref": "MRN-000123", "protocol": "ketamine-trd", "protocol_version": 1}


def test_recorded_events_join_the_history_in_order_and_each_returns_the_new_version(app, clock):
    journey_id = app.open_journey("MRN-000123", actor=CLINICIAN)
    clock.advance(hours=1)
    first = app.record(journey_id, "ConsultationCompleted", data("ConsultationCompleted"), actor=CLINICIAN)
    clock.advance(hours=1)
    second = app.record(
        journey_id, "NoteAdded", data("NoteAdded"), actor=Actor("nurse-ito", "clinician"), reason="Phone call"
    )

    history = app.history(journey_id)

    assert (first, second) == (2, 3)
    assert [(f.version, f.type) for f in history] == [
        (1, "JourneyOpened"),
        (2, "ConsultationCompleted"),
        (3, "NoteAdded"),
    ]
    assert history[2].actor == Actor("nurse-ito", "clinician")
    assert history[2].reason == "Phone call"
    assert history[2].recorded_at == clock.now


def test_the_view_shows_the_steps_done_and_the_infusion_that_comes_next(app, clock):
    journey_id = ready_for_induction(app, clock)

    journey, view = app.view(journey_id)

    assert journey.version == 6
    for step in ("consultation", "medication_review", "contraindication_screening", "baseline_assessment"):
        assert view.steps[step].status == "completed", step
    assert view.steps["induction"].status == "ready"
    assert view.steps["response_check"].status == "requested"


def test_a_past_version_gives_the_journey_as_it_was_at_that_version(app, clock):
    journey_id = ready_for_induction(app, clock)

    journey, view = app.view(journey_id, version=2)

    assert journey.version == 2
    history = app.history(journey_id, upto=journey.version)
    assert [f.type for f in history] == ["JourneyOpened", "ConsultationCompleted"]
    assert view.steps["consultation"].status == "completed"
    assert view.steps["medication_review"].status != "completed"
    assert view.as_of == history[-1].recorded_at == journey.modified_on


def test_as_of_a_time_knows_only_what_was_recorded_by_then_even_when_it_happened_earlier(app, clock):
    opened_at = clock.now
    journey_id = app.open_journey("MRN-000123", actor=CLINICIAN)
    clock.advance(hours=1)
    app.record(journey_id, "ConsultationCompleted", data("ConsultationCompleted"), actor=CLINICIAN)
    clock.advance(days=3)
    app.record(
        journey_id,
        "MedicationReviewed",
        data("MedicationReviewed"),
        actor=CLINICIAN,
        occurred_at=opened_at + timedelta(hours=2),
        reason="Backfilled from the paper chart",
    )

    day_one, view_day_one = app.view(journey_id, as_of=opened_at + timedelta(days=1))
    today, view_today = app.view(journey_id)

    assert day_one.version == 2
    assert view_day_one.steps["medication_review"].status != "completed"
    assert view_day_one.as_of == opened_at + timedelta(days=1)
    assert today.version == 3
    assert view_today.steps["medication_review"].status == "completed"


def test_as_of_a_time_before_the_journey_was_opened_is_an_unknown_journey(app, clock):
    journey_id = app.open_journey("MRN-000123", actor=CLINICIAN)

    with pytest.raises(UnknownJourney):
        app.view(journey_id, as_of=clock.now - timedelta(seconds=1))


def test_a_journey_loaded_from_snapshots_equals_the_one_replayed_from_every_event(make_app, store_url, clock):
    app = make_app(store_url, clock, snapshot_interval=3)
    journey_id = ready_for_induction(app, clock)
    complete_infusion(app, journey_id, clock, after=timedelta(hours=1))
    for _ in range(2):
        app.record(journey_id, "NoteAdded", data("NoteAdded"), actor=CLINICIAN)

    snapshots = list(app.snapshots.get(journey_id))
    from_snapshot = app.get(journey_id)
    replayed = project_aggregate(None, app.events.get(journey_id))

    assert [s.originator_version for s in snapshots] == [3, 6, 9]
    assert from_snapshot.version == replayed.version == 10
    assert from_snapshot.chart == replayed.chart and from_snapshot.head == replayed.head
    assert from_snapshot.view(app.protocol, clock.now) == replayed.view(app.protocol, clock.now)


def test_a_snapshot_does_not_change_what_a_past_version_looks_like(make_app, store_url, clock):
    app = make_app(store_url, clock, snapshot_interval=3)
    journey_id = ready_for_induction(app, clock)

    past = app.get(journey_id, version=4)

    assert past.version == 4
    assert [f.version for f in app.history(journey_id, upto=past.version)] == [1, 2, 3, 4]
    assert past.chart == project_aggregate(None, app.events.get(journey_id, lte=4)).chart


def test_actors_facts_payloads_and_times_keep_their_types_through_the_store(make_app, store_url, clock):
    writer = make_app(store_url, clock, snapshot_interval=2)
    journey_id = writer.open_journey("MRN-000123", actor=CLINICIAN)
    clock.advance(hours=1)
    scheduled_for = datetime(2026, 3, 9, 9, 30, tzinfo=timezone.utc)
    writer.record(journey_id, "ConsultationCompleted", data("ConsultationCompleted"), actor=CLINICIAN)
    clock.advance(hours=1)
    writer.record(journey_id, "InfusionScheduled", {"phase": "induction", "scheduled_for": scheduled_for}, actor=CLINICIAN)
    written = writer.history(journey_id)

    reader = make_app(store_url, clock)
    from_snapshot = reader.get(journey_id)
    replayed = project_aggregate(None, reader.events.get(journey_id))

    assert list(reader.snapshots.get(journey_id)), "a snapshot holds the folded record"
    assert reader.history(journey_id) == written
    booking = written[2]
    assert type(booking) is Fact and type(booking.actor) is Actor
    assert booking.occurred_at.tzinfo is not None and type(booking.occurred_at) is datetime
    assert booking.payload.scheduled_for == scheduled_for and booking.payload.phase is InfusionPhase.INDUCTION
    for journey in (from_snapshot, replayed):
        chart = journey.chart
        assert chart == writer.get(journey_id).chart
        consultation = chart.consultation
        assert consultation is not None and type(consultation.payload.eligible) is bool
        (appointment,) = chart.appointments
        assert appointment.scheduled_for == scheduled_for and type(appointment.scheduled_for) is datetime


def test_a_refused_event_leaves_the_stored_journey_unchanged(make_app, store_url, clock):
    app = make_app(store_url, clock)
    journey_id = app.open_journey("MRN-000123", actor=CLINICIAN)
    clock.advance(hours=1)
    app.record(journey_id, "ConsultationCompleted", data("ConsultationCompleted"), actor=CLINICIAN)

    with pytest.raises(RuleViolation) as refusal:
        app.record(journey_id, "InfusionCompleted", data("InfusionCompleted"), actor=CLINICIAN)

    assert refusal.value.code in {"prerequisite_missing", "baseline_missing", "vitals_missing"}
    fresh = make_app(store_url, clock)
    assert fresh.get(journey_id).version == 2
    assert [f.type for f in fresh.history(journey_id)] == ["JourneyOpened", "ConsultationCompleted"]


def test_an_unknown_journey_is_refused_by_every_query_and_command(app):
    nobody = uuid.uuid4()

    for attempt in (
        lambda: app.get(nobody),
        lambda: app.view(nobody),
        lambda: app.history(nobody),
        lambda: app.record(nobody, "NoteAdded", data("NoteAdded"), actor=CLINICIAN),
    ):
        with pytest.raises(UnknownJourney):
            attempt()


def test_every_opened_journey_is_listed_in_the_order_it_was_opened(app, clock):
    first = app.open_journey("MRN-000001", actor=CLINICIAN)
    app.record(first, "NoteAdded", data("NoteAdded"), actor=CLINICIAN)
    second = app.open_journey("MRN-000002", actor=CLINICIAN)

    assert list(app.journey_ids()) == [first, second]


def test_a_fact_written_in_the_older_dict_form_is_still_read(app):
    from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder

    from careplan.adapters.transcodings import ActorAsDict, DateAsISO, FactAsDict

    older = JSONTranscoder()
    for transcoding in (DatetimeAsISO(), ActorAsDict(), FactAsDict(), DateAsISO()):
        older.register(transcoding)
    fact = Fact(
        version=2,
        type="NoteAdded",
        occurred_at=datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc),
        recorded_at=datetime(2026, 3, 2, 9, 5, tzinfo=timezone.utc),
        actor=CLINICIAN,
        reason=None,
        data={"text": "Seen in clinic", "review_on": date(2026, 4, 1)},
        hash="ab" * 32,
    )

    assert app.mapper.transcoder.decode(older.encode({"history": [fact]})) == {"history": [fact]}
    assert app.mapper.transcoder.decode(app.mapper.transcoder.encode([fact])) == [fact]


def test_a_snapshot_from_before_a_record_field_existed_is_refolded_not_guessed(make_app, sqlite_url, clock):
    """A snapshot written before the record kept stopped infusions lacks that field: the journey is
    refolded from its history, so the spacing rule still sees the stop."""
    import json
    import sqlite3

    app = make_app(sqlite_url, clock, snapshot_interval=3)
    journey_id = ready_for_induction(app, clock)
    clock.advance(hours=1)
    app.record(journey_id, "VitalsRecorded", data("VitalsRecorded"), actor=CLINICIAN)
    clock.advance(minutes=20)  # the stop started 20 minutes before it, after the vitals
    stop = {"phase": "induction", "minutes_given": 20, "cause": "hypertension"}
    app.record(journey_id, "InfusionStopped", stop, actor=CLINICIAN, reason="BP 186/112")
    app.take_snapshot(journey_id, version=app.get(journey_id).version)
    assert app.get(journey_id).chart.stopped
    table = app.snapshots.recorder.events_table_name
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        rows = db.execute(f"SELECT originator_id, originator_version, state FROM {table}").fetchall()
        for originator, version, state in rows:
            doc = json.loads(state)
            del doc["state"]["chart"]["_data_"]["stopped"]  # as a snapshot written before the field existed
            db.execute(
                f"UPDATE {table} SET state = ? WHERE originator_id = ? AND originator_version = ?",
                (json.dumps(doc).encode(), originator, version),
            )
    reader = make_app(sqlite_url, clock)
    loaded = reader.get(journey_id)
    assert loaded.chart.stopped == app.get(journey_id).chart.stopped and not loaded.needs_refold
    assert loaded.chart == project_aggregate(None, reader.events.get(journey_id)).chart
    from careplan.audit.verify import check_journey

    assert check_journey(reader, journey_id).broken is None  # an honest older snapshot is not "altered"
