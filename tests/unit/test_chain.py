"""Each event's hash covers its content and the hash before it, so no fact can change unnoticed.

The hashes are recomputed here from the facts the aggregate keeps, exactly as a verifier that only
reads the store would, and every field is changed in turn to show that the hash notices it.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from careplan.domain import chain
from careplan.domain.values import Actor, Fact
from tests.unit.journeys import Journey


def link_of(fact: Fact, previous: str, journey_id: UUID) -> str:
    return chain.link(
        previous,
        journey_id=journey_id,
        version=fact.version,
        event_type=fact.type,
        occurred_at=fact.occurred_at,
        recorded_at=fact.recorded_at,
        actor=fact.actor,
        reason=fact.reason,
        data=fact.data,
        deviation=fact.deviation,
        deviated=fact.deviated,
    )


def verify(history: list[Fact], journey_id: UUID) -> int | None:
    """The version of the first fact whose hash does not follow from it and the one before; None if all do."""
    previous = chain.GENESIS
    for fact in history:
        if link_of(fact, previous, journey_id) != fact.hash:
            return fact.version
        previous = fact.hash
    return None


@pytest.fixture
def j() -> Journey:
    """A journey with clinician, system and correction events, some backfilled."""
    j = Journey().ready_for_induction()
    j.give_infusion()
    j.advance(hours=3)
    j.phq9(12, item9=1, context="infusion", at=j.now - timedelta(hours=2))
    j.aggregate.record_system(
        "ReminderIssued",
        {"key": "reminder:1", "kind": "infusion", "step": "induction", "due_at": j.now.isoformat()},
        occurred_at=j.now,
        now=j.now,
    )
    j.enter_in_error(j.note("Meant for another patient."))
    return j


def test_every_event_links_to_the_one_before_it(j: Journey) -> None:
    assert verify(j.history, j.aggregate.id) is None
    assert j.history[0].hash == link_of(j.history[0], chain.GENESIS, j.aggregate.id)
    assert len({f.hash for f in j.history}) == len(j.history)
    assert {"JourneyOpened", "SafetyAlertRaised", "ReminderIssued", "EventEnteredInError"} <= {f.type for f in j.history}


CHANGES: dict[str, Any] = {
    "version": lambda f: f.version + 1,
    "type": lambda f: "NoteAdded" if f.type != "NoteAdded" else "ConsultationCompleted",
    "occurred_at": lambda f: f.occurred_at + timedelta(seconds=1),
    "recorded_at": lambda f: f.recorded_at - timedelta(microseconds=1),
    "actor": lambda f: Actor(id=f.actor.id + "x", role=f.actor.role),
    "reason": lambda f: (f.reason or "") + " ",
    "data": lambda f: {**f.data, "extra": None},
    "deviation": lambda f: (f.deviation or "") + "x",
    "deviated": lambda f: (*f.deviated, "spacing_too_short"),
}


def test_every_field_of_a_fact_is_covered() -> None:
    assert set(CHANGES) | {"hash"} == {f.name for f in fields(Fact)}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_changing_any_field_of_any_fact_changes_its_hash(j: Journey, name: str) -> None:
    for index, fact in enumerate(j.history):
        previous = j.history[index - 1].hash if index else chain.GENESIS
        changed = replace(fact, **{name: CHANGES[name](fact)})
        assert link_of(changed, previous, j.aggregate.id) != fact.hash, (name, fact.type)
        tampered = j.history[:index] + [changed] + j.history[index + 1 :]
        assert verify(tampered, j.aggregate.id) == changed.version


def test_changing_a_value_deep_inside_the_data_changes_the_hash(j: Journey) -> None:
    assessment = j.last("AssessmentRecorded")
    items = list(assessment.data["items"])
    items[0] += 1
    changed = replace(assessment, data={**assessment.data, "items": items})
    previous = next(f.hash for f in j.history if f.version == assessment.version - 1)
    assert link_of(changed, previous, j.aggregate.id) != assessment.hash


def test_removing_or_reordering_events_breaks_the_chain(j: Journey) -> None:
    history = j.history
    assert verify(history[:3] + history[4:], j.aggregate.id) == history[4].version
    assert verify(history[:3] + [history[4], history[3]] + history[5:], j.aggregate.id) == history[4].version


def test_the_same_events_on_another_journey_hash_differently(j: Journey) -> None:
    assert verify(j.history, uuid4()) == 1


def test_the_hash_does_not_depend_on_the_order_of_keys_in_the_data(j: Journey) -> None:
    fact = j.history[1]
    reordered = replace(fact, data=dict(reversed(list(fact.data.items()))))
    assert list(reordered.data) != list(fact.data)
    assert link_of(reordered, j.history[0].hash, j.aggregate.id) == fact.hash
