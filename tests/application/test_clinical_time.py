"""Clinical time on real stores (DESIGN 7.1): a late entry is stored in recording order and folded
where it happened, however the journey is loaded afterwards (from its events, from a snapshot taken
after it, by a scheduler's late event), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from careplan.application import CarePlan
from careplan.domain.record import fold_facts
from tests.application.steps import CLINICIAN, data, ready_for_induction
from tests.conftest import Clock


def test_a_late_entry_is_stored_in_recording_order_and_folded_where_it_happened(
    make_app: Callable[..., CarePlan], store_url: str, clock: Clock
) -> None:
    app = make_app(store_url, clock, snapshot_interval=3)
    journey_id = ready_for_induction(app, clock)
    high = data("VitalsRecorded", systolic=200, diastolic=120)
    app.record(journey_id, "VitalsRecorded", high, actor=CLINICIAN)
    clock.advance(minutes=30)
    late = app.record(journey_id, "VitalsRecorded", data("VitalsRecorded"), actor=CLINICIAN, occurred_at=clock() - timedelta(hours=2))
    history = app.history(journey_id)
    assert [f.version for f in history] == list(range(1, late + 1))
    assert app.snapshots is not None  # snapshotted at the late entry, so no load refolds after it
    [snapshot] = app.snapshots.get(journey_id, desc=True, limit=1)
    assert snapshot.originator_version == late
    for reader in (app, make_app(store_url, clock, snapshot_interval=3)):  # warm and from the store
        journey = reader.get(journey_id)
        assert journey.chart == fold_facts(history)
        assert journey.chart.pre_vitals is not None and journey.chart.pre_vitals.systolic == 200
    app.record(journey_id, "NoteAdded", {"text": "Spoke with the patient."}, actor=CLINICIAN)
    assert make_app(store_url, clock).get(journey_id).chart == fold_facts(app.history(journey_id))


def test_a_scheduler_event_dated_before_what_was_charted_since_takes_its_place(
    make_app: Callable[..., CarePlan], store_url: str, clock: Clock
) -> None:
    app = make_app(store_url, clock)
    journey_id = ready_for_induction(app, clock)
    assessment = max(f.version for f in app.history(journey_id) if f.type == "AssessmentRecorded")
    alert = {"kind": "relapse", "reason": "PHQ-9 climbed back.", "key": "alert:relapse:test", "source_version": assessment}
    app.record_system(journey_id, "SafetyAlertRaised", alert, occurred_at=clock() - timedelta(hours=2))
    history = app.history(journey_id)
    assert app.get(journey_id).chart == fold_facts(history)
    [raised] = app.get(journey_id).chart.alerts
    assert raised.raised_at == clock() - timedelta(hours=2)
