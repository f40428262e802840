"""The one adapter on the library's tables (``careplan.adapters.event_tables``) against the library as pinned.

An upgrade of ``eventsourcing`` that renames a table or a column fails here, by name, rather than in a
catch-up, a repair or a database setup in production.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import psycopg
import pytest

from careplan.adapters import event_tables
from careplan.application import CarePlan
from careplan.domain.values import Actor

ROOT = Path(__file__).resolve().parents[2]
CLINICIAN = Actor("c1", "clinician")


def test_the_installed_library_is_the_series_the_adapter_was_read_from() -> None:
    pin = re.search(r'"eventsourcing\[[^\]]*\]>=([\d.]+),<([\d.]+)"', (ROOT / "pyproject.toml").read_text())
    assert pin is not None, "pyproject.toml pins eventsourcing"
    assert pin.group(1) == event_tables.LIBRARY_SERIES
    installed = version("eventsourcing")
    assert installed.startswith(event_tables.LIBRARY_SERIES + "."), installed


def columns(app: CarePlan, table: str) -> tuple[str, ...]:
    if app.store.kind == "postgres":
        with psycopg.connect(app.store.url) as conn:
            rows = conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
                (table,),
            ).fetchall()
    else:
        path = app.store.url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            rows = [(row[1],) for row in conn.execute(f"PRAGMA table_info({table})")]
    return tuple(row[0] for row in rows)


def test_the_library_s_tables_have_the_layout_the_adapter_expects(app: CarePlan) -> None:
    events, snapshots = event_tables.table_names(app)
    assert (events, snapshots) == (event_tables.events_table(app), event_tables.snapshots_table(app))
    notification = ("notification_id",) if app.store.kind == "postgres" else ()
    assert columns(app, events) == (*event_tables.EVENT_COLUMNS, *notification)
    assert columns(app, snapshots) == event_tables.EVENT_COLUMNS


def test_the_latest_snapshot_of_each_journey_is_read_and_a_snapshot_can_be_deleted(
    make_app: Callable[..., CarePlan], store_url: str
) -> None:
    app = make_app(store_url, snapshot_interval=2)
    with_snapshots = [app.open_journey(f"P-{n}", actor=CLINICIAN) for n in range(3)]
    for journey in with_snapshots:
        for n in range(4):
            app.record(journey, "NoteAdded", {"text": f"note {n}"}, actor=CLINICIAN)
    without = app.open_journey("P-none", actor=CLINICIAN)
    found = event_tables.latest_snapshots(app, [*with_snapshots, without])
    assert sorted((s.originator_id, s.originator_version) for s in found) == sorted((j, 4) for j in with_snapshots)
    assert all(s.topic.endswith("PatientJourney.Snapshot") for s in found)
    journey = app.mapper.to_domain_event(found[0])
    assert journey.originator_id == found[0].originator_id  # the rows open with the application's mapper

    event_tables.delete_snapshots(app, with_snapshots[0], [4])
    again = {s.originator_id: s.originator_version for s in event_tables.latest_snapshots(app, with_snapshots)}
    assert again[with_snapshots[0]] == 2 and again[with_snapshots[1]] == 4


def test_an_unknown_recorder_is_refused_by_name() -> None:
    from eventsourcing.popo import POPOApplicationRecorder

    with pytest.raises(TypeError, match="POPOApplicationRecorder"):
        event_tables._tables(POPOApplicationRecorder())
