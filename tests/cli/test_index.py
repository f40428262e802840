"""``careplan index backfill``: journeys opened before the patient index get their entries, once.

A journey "from before the index" is made the way it was then: the aggregate opened and saved
directly, with no claim on an index. On the real SQLite store, and on PostgreSQL when a server answers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest

from careplan.adapters.schema import resolved
from careplan.adapters.settings import store_settings
from careplan.application import DEFAULT_PROTOCOL, CarePlan
from careplan.domain.errors import JourneyExists
from careplan.domain.journey import PatientJourney
from careplan.domain.patient import PatientDetails
from careplan.domain.patient_index import PatientIndex, typed_index_id
from careplan.domain.values import Actor
from careplan.entrypoints.bootstrap import build_app
from careplan.index_backfill import backfill
from events.protocol_file import default_protocols
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
    journey = PatientJourney.open(ref, app.protocol(DEFAULT_PROTOCOL, opening=True), opened, COORDINATOR, opened)
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


# -- the open state is read again (issue 18, finding 6) and typed forms are merged (DESIGN 7.1) ----------


class SavesAfterARival(CarePlan):
    """The real application, with a rival writer let in once at a chosen point of a write: just
    before a patient index is saved (``before_index_save``), or after a close has read the index and
    before the close is saved (``after_index_read``)."""

    name = CarePlan.name  # the library names a subclass's tables after it otherwise
    before_index_save: Callable[[], object] | None = None
    after_index_read: Callable[[], object] | None = None

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        if self.before_index_save is not None and any(isinstance(o, PatientIndex) for o in objs):
            rival, self.before_index_save = self.before_index_save, None
            rival()
        return super().save(*objs, **kwargs)

    def _index_changes(self, journey: PatientJourney, was_closed: bool) -> list[PatientIndex]:
        changes = super()._index_changes(journey, was_closed)
        if self.after_index_read is not None:
            rival, self.after_index_read = self.after_index_read, None
            rival()
        return changes


@pytest.fixture
def racing(url: str) -> Iterator[Callable[[], SavesAfterARival]]:
    """Builds the racing application (as ``build_app`` does) when the test has its journeys."""
    made: list[SavesAfterARival] = []

    def make() -> SavesAfterARival:
        made.append(SavesAfterARival(resolved(store_settings(dict(os.environ))), default_protocols()))
        return made[-1]

    yield make
    for app in made:
        app.close()


def close(app: CarePlan, journey_id: UUID) -> None:
    app.record(journey_id, "JourneyClosed", {"outcome": "other"}, actor=COORDINATOR, occurred_at=NOW, reason="Duplicate.")


def test_a_journey_closed_during_the_walk_is_not_indexed_as_open(app: CarePlan) -> None:
    walked = before_the_index(app, "MRN-IDX-20", days_ago=10)
    report = backfill(app, progress=lambda done, total: close(app, walked) if done == total else None)
    index = app.patient_index("MRN-IDX-20")
    assert index is not None and index.journeys == [walked] and index.open_journey is None
    assert report.opened == [] and [c.is_open for c in report.added] == [False]
    app.open_journey("MRN-IDX-20", actor=COORDINATOR)  # the patient is free for a new course


def test_a_journey_closed_between_the_read_and_the_index_save_is_judged_again(app: CarePlan, racing: Callable[[], SavesAfterARival]) -> None:
    journey_id = before_the_index(app, "MRN-IDX-21", days_ago=10)
    rival = racing()
    rival.before_index_save = lambda: close(app, journey_id)
    backfill(rival)
    index = app.patient_index("MRN-IDX-21")
    assert index is not None and index.open_journey is None and index.journeys == [journey_id]


def test_a_close_saved_after_the_backfill_wrote_the_index_releases_it(app: CarePlan, racing: Callable[[], SavesAfterARival]) -> None:
    journey_id = before_the_index(app, "MRN-IDX-22", days_ago=10)
    closing = racing()
    closing.after_index_read = lambda: backfill(app)  # the close found no index; the backfill indexes it open
    close(closing, journey_id)
    index = app.patient_index("MRN-IDX-22")
    assert index is not None and index.open_journey is None
    app.open_journey("MRN-IDX-22", actor=COORDINATOR)


def test_two_typed_forms_open_are_reported_as_one_patient_and_neither_is_closed(capsys, app: CarePlan) -> None:
    older = before_the_index(app, "MRN-IDX-23", days_ago=30)
    recent = before_the_index(app, "mrn-idx-23", days_ago=2)
    ran = careplan(capsys, "index", "backfill")
    assert ran.code == 0, ran.err
    (line,) = [x for x in ran.out.splitlines() if x.startswith("more than one open journey")]
    assert f"{recent} (opened " in line and f"also open: {older}" in line and "Nothing was closed" in line
    assert "MRN-IDX-23" not in ran.out.upper()
    assert all(app.get(j).chart.closed is None for j in (older, recent))
    index = app.patient_index(" Mrn-Idx-23")
    assert index is not None and index.journeys == [older, recent] and index.open_journey == recent
    with pytest.raises(JourneyExists) as refused:
        app.open_journey("MRN-IDX-23", actor=COORDINATOR)
    assert refused.value.journey_id == recent


def test_the_typed_forms_older_indexes_are_merged_into_the_patients(capsys, app: CarePlan) -> None:
    """A store from before normalisation: each typed form has its own index."""
    first = before_the_index(app, "MRN-IDX-24", days_ago=60)
    typed_index(app, "MRN-IDX-24", first, open_=False, details=PatientDetails(name="Test Patient", allergies=("latex",)))
    second = before_the_index(app, "Mrn-Idx-24", days_ago=5)
    typed_index(app, "Mrn-Idx-24", second, open_=True)
    assert careplan(capsys, "index", "backfill").code == 0
    index = app.patient_index("mrn-idx-24")
    assert index is not None and index.journeys == [first, second] and index.open_journey == second
    assert index.patient.name == "Test Patient" and index.patient.allergies == ("latex",)  # who the patient is
    older = app.index_at(typed_index_id("Mrn-Idx-24"))
    assert older is not None and older.open_journey is None  # released: read no more
    again = careplan(capsys, "index", "backfill")
    assert "wrote 0 index entries" in again.out


def typed_index(app: CarePlan, typed: str, journey_id: UUID, open_: bool, details: PatientDetails | None = None) -> None:
    index = PatientIndex._create(PatientIndex.Started, id=typed_index_id(typed))
    index.claim(journey_id)
    if not open_:
        index.release(journey_id)
    if details is not None:
        index.record_details(details, actor_id="c", actor_role="coordinator")
    app.save(index)
