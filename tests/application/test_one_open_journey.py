"""One open journey per patient reference, on both stores, however the openings race."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

import pytest

from careplan.application import CarePlan
from careplan.domain.errors import JourneyExists, RuleViolation
from tests.application.steps import CLINICIAN
from tests.application.test_concurrency import RivalGoesFirst, assert_verified


def test_a_second_open_journey_for_the_reference_is_refused_with_the_first_id(app: CarePlan) -> None:
    first = app.open_journey("MRN-1", actor=CLINICIAN)
    with pytest.raises(JourneyExists) as caught:
        app.open_journey("MRN-1", actor=CLINICIAN)
    assert caught.value.journey_id == first and caught.value.code == "journey_exists"
    assert "MRN-1" not in str(caught.value)
    app.open_journey("MRN-2", actor=CLINICIAN)


def test_closing_frees_the_reference_and_the_next_course_links_back(app: CarePlan) -> None:
    first = app.open_journey("MRN-1", actor=CLINICIAN)
    app.record(first, "JourneyClosed", {"outcome": "completed"}, actor=CLINICIAN, reason="Course finished")
    second = app.open_journey("MRN-1", actor=CLINICIAN)
    assert app.history(second)[0].data["previous_journey_id"] == str(first)
    assert app.courses(app.get(second)) == (first, None)
    assert app.courses(app.get(first)) == (None, second)
    assert "previous_journey_id" not in app.history(first)[0].data  # openings without one are stored as before


def test_a_named_previous_course_must_be_the_same_patients(app: CarePlan) -> None:
    other = app.open_journey("MRN-9", actor=CLINICIAN)
    with pytest.raises(RuleViolation) as caught:
        app.open_journey("MRN-1", actor=CLINICIAN, previous_journey_id=other)
    assert caught.value.code == "unknown_previous_journey"


def test_an_opening_that_loses_the_race_is_told_the_winner(
    make_app: Callable[..., CarePlan], store_url: str, clock: Callable[[], datetime]
) -> None:
    rival_app = make_app(store_url, clock)
    won: list[object] = []
    loser = make_app(store_url, RivalGoesFirst(clock, lambda: won.append(rival_app.open_journey("MRN-1", actor=CLINICIAN))))
    with pytest.raises(JourneyExists) as caught:
        loser.open_journey("MRN-1", actor=CLINICIAN)
    assert won and caught.value.journey_id == won[0]
    assert len(list(loser.journey_ids())) == 1
    assert_verified(loser)


def test_two_concurrent_openings_open_exactly_one(make_app: Callable[..., CarePlan], store_url: str) -> None:
    apps = [make_app(store_url), make_app(store_url)]
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def open_one(app: CarePlan) -> None:
        start.wait()
        try:
            outcomes.append(app.open_journey("MRN-7", actor=CLINICIAN))
        except JourneyExists as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=open_one, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    opened = [o for o in outcomes if not isinstance(o, JourneyExists)]
    refused = [o for o in outcomes if isinstance(o, JourneyExists)]
    assert len(opened) == 1 and len(refused) == 1 and refused[0].journey_id == opened[0]
    assert len(list(apps[0].journey_ids())) == 1
    assert_verified(apps[0])


def test_undoing_a_close_claims_the_reference_again(app: CarePlan) -> None:
    """A close marked entered in error reopens the journey, and the reference is its own again:
    no second course can be opened beside it."""
    first = app.open_journey("MRN-1", actor=CLINICIAN)
    closed = app.record(first, "JourneyClosed", {"outcome": "completed"}, actor=CLINICIAN, reason="Course finished")
    app.record(first, "EventEnteredInError", {"target_version": closed}, actor=CLINICIAN, reason="Closed the wrong journey")
    assert app.get(first).chart.closed is None
    index = app.patient_index("MRN-1")
    assert index is not None and index.open_journey == first and index.journeys == [first]
    with pytest.raises(JourneyExists) as caught:
        app.open_journey("MRN-1", actor=CLINICIAN)
    assert caught.value.journey_id == first


def test_a_close_is_not_undone_while_a_later_course_is_open(app: CarePlan) -> None:
    first = app.open_journey("MRN-1", actor=CLINICIAN)
    closed = app.record(first, "JourneyClosed", {"outcome": "completed"}, actor=CLINICIAN, reason="Course finished")
    second = app.open_journey("MRN-1", actor=CLINICIAN)
    versions = app.get(first).version
    with pytest.raises(JourneyExists) as caught:
        app.record(first, "EventEnteredInError", {"target_version": closed}, actor=CLINICIAN, reason="Wrong journey")
    assert caught.value.journey_id == second and str(second) in str(caught.value) and "MRN-1" not in str(caught.value)
    assert app.get(first).version == versions  # nothing written
    index = app.patient_index("MRN-1")
    assert index is not None and index.open_journey == second
    app.record(second, "JourneyClosed", {"outcome": "completed"}, actor=CLINICIAN, reason="Opened by mistake")
    app.record(first, "EventEnteredInError", {"target_version": closed}, actor=CLINICIAN, reason="Wrong journey")
    index = app.patient_index("MRN-1")
    assert index is not None and index.open_journey == first and index.journeys == [first, second]
