"""``careplan index backfill``: journeys opened before the patient index get their entries, once.

A journey "from before the index" is made the way it was then: the aggregate opened and saved
directly, with no claim on an index. On the real SQLite store, and on PostgreSQL when a server answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from careplan.application import DEFAULT_PROTOCOL, CarePlan
from careplan.bootstrap import build_app
from careplan.domain.errors import JourneyExists
from careplan.domain.journey import PatientJourney
from careplan.domain.values import Actor
from tests.cli.conftest import careplan

COORDINATOR = Actor("coord-index", "coordinator")
NOW = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    chosen = request.getfixturevalue(f"{request.param}_url")
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", chosen)
    return chosen


@pytest.fixture
def app(url: str) -> Iterator[CarePlan]:
    made = build_app()
    yield made
    made.close()


def before_the_index(app: CarePlan, ref: str, days_ago: float, closed: bool = False) -> UUID:
    """A journey opened as it was before the patient index existed: saved without an index entry."""
    opened = NOW - timedelta(days=days_ago)
    journey = PatientJourney.open(ref, app.protocol(DEFAULT_PROTOCOL), opened, COORDINATOR, opened)
    app.save(journey)
    if closed:
        app.record(
            journey.id, "JourneyClosed", {"outcome": "completed"}, actor=COORDINATOR,
            occurred_at=opened + timedelta(days=1), reason="Course finished.",
        )
    return journey.id


def notifications(app: CarePlan) -> int:
    return app.recorder.max_notification_id() or 0


def test_an_open_journey_from_before_the_index_blocks_a_second_one_after_the_backfill(capsys, app: CarePlan) -> None:
    old = before_the_index(app, "MRN-IDX-1", days_ago=20)
    assert app.patient_index("MRN-IDX-1") is None  # the rule cannot see it yet
    ran = careplan(capsys, "index", "backfill")
    assert ran.code == 0, ran.err
    assert f"indexed {old} (open; opened " in ran.out
    assert "1 index entries, 1 journeys taken in; 0 reference(s)" in ran.out
    assert "MRN-IDX-1" not in ran.out + ran.err
    with pytest.raises(JourneyExists) as refused:
        app.open_journey("MRN-IDX-1", actor=COORDINATOR)
    assert refused.value.journey_id == old


def test_running_it_twice_changes_nothing(capsys, app: CarePlan) -> None:
    before_the_index(app, "MRN-IDX-2", days_ago=40, closed=True)
    before_the_index(app, "MRN-IDX-3", days_ago=5)
    app.open_journey("MRN-IDX-4", actor=COORDINATOR)  # indexed already
    assert careplan(capsys, "index", "backfill").code == 0
    written = notifications(app)
    again = careplan(capsys, "index", "backfill")
    assert again.code == 0, again.err
    assert again.out.splitlines() == [
        "index backfill: 3 journeys read; wrote 0 index entries, 0 journeys taken in; "
        "0 reference(s) with more than one open journey"
    ]
    assert notifications(app) == written


def test_a_dry_run_records_nothing(capsys, app: CarePlan) -> None:
    old = before_the_index(app, "MRN-IDX-5", days_ago=3)
    written = notifications(app)
    ran = careplan(capsys, "index", "backfill", "--dry-run")
    assert ran.code == 0, ran.err
    assert f"would index {old} (open;" in ran.out and "would write 1 index entries" in ran.out
    assert notifications(app) == written and app.patient_index("MRN-IDX-5") is None


def test_a_closed_earlier_course_is_taken_in_before_the_indexed_open_one(capsys, app: CarePlan) -> None:
    first = before_the_index(app, "MRN-IDX-6", days_ago=90, closed=True)
    second = app.open_journey("MRN-IDX-6", actor=COORDINATOR)  # the index knew only this one
    ran = careplan(capsys, "index", "backfill")
    assert ran.code == 0, ran.err
    assert f"indexed {first} (closed; opened " in ran.out
    index = app.patient_index("MRN-IDX-6")
    assert index is not None and index.journeys == [first, second] and index.open_journey == second
    assert app.courses(app.get(second)) == (first, None)  # the timeline's "Previous course"


def test_two_open_journeys_index_the_most_recently_opened_and_name_both(capsys, app: CarePlan) -> None:
    recent = before_the_index(app, "MRN-IDX-7", days_ago=4)  # stored first, opened later in clinical time
    older = before_the_index(app, "MRN-IDX-7", days_ago=30)
    ran = careplan(capsys, "index", "backfill")
    assert ran.code == 0, ran.err
    assert f"indexed {recent} (open; opened " in ran.out
    assert f"indexed {older} (open, not indexed as open; opened " in ran.out
    (line,) = [x for x in ran.out.splitlines() if x.startswith("more than one open journey")]
    assert f"{recent} (opened " in line and "the most recently opened" in line and f"also open: {older}" in line
    assert "1 reference(s) with more than one open journey" in ran.out
    index = app.patient_index("MRN-IDX-7")
    assert index is not None and index.open_journey == recent and index.journeys == [recent, older]
    with pytest.raises(JourneyExists):
        app.open_journey("MRN-IDX-7", actor=COORDINATOR)


def test_an_open_journey_already_indexed_is_left_alone(capsys, app: CarePlan) -> None:
    indexed = app.open_journey("MRN-IDX-8", actor=COORDINATOR, occurred_at=NOW - timedelta(days=10))
    unseen = before_the_index(app, "MRN-IDX-8", days_ago=1)  # opened more recently, but never indexed
    ran = careplan(capsys, "index", "backfill")
    assert ran.code == 0, ran.err
    index = app.patient_index("MRN-IDX-8")
    assert index is not None and index.open_journey == indexed and index.journeys == [indexed, unseen]
    (line,) = [x for x in ran.out.splitlines() if x.startswith("more than one open journey")]
    assert f"{indexed} (opened " in line and "already the indexed open journey" in line and str(unseen) in line
    # closing the one that should not be open, then running again, leaves one open and indexed journey
    app.record(unseen, "JourneyClosed", {"outcome": "other"}, actor=COORDINATOR, occurred_at=NOW, reason="Duplicate.")
    again = careplan(capsys, "index", "backfill")
    assert "0 reference(s) with more than one open journey" in again.out and "wrote 0 index entries" in again.out


def test_bad_arguments_are_one_line_and_exit_2(capsys, url: str) -> None:
    for argv in (("index",), ("index", "rebuild"), ("index", "backfill", "--force")):
        ran = careplan(capsys, *argv)
        assert ran.code == 2
        assert ran.err.strip().count("\n") == 0
