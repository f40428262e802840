"""Two writers on the same journey, each with its own application (as two web workers have).

The race is forced deterministically: the losing writer's clock is read after it has loaded the
journey and before it saves, and at that moment it lets the rival record first. So the loser's save
meets the store's unique (journey, version) key, the path a real race takes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from careplan.application import CarePlan
from careplan.audit.verify import verify_store
from careplan.domain import chain
from careplan.domain.errors import RuleViolation, VersionConflict
from careplan.domain.values import Actor, Fact
from tests.application.steps import CLINICIAN, data, ready_for_induction

RIVAL = Actor(id="nurse-ito", role="clinician")


class RivalGoesFirst:
    """A clock that lets a rival write once, the first time the loser's command asks for the time."""

    def __init__(self, clock: Callable[[], datetime], rival: Callable[[], object]) -> None:
        self.clock = clock
        self.rival: Callable[[], object] | None = rival
        self.raced = False

    def __call__(self) -> datetime:
        if self.rival is not None:
            rival, self.rival = self.rival, None
            rival()
            self.raced = True
        return self.clock()


def assert_chain_intact(journey_id: UUID, history: list[Fact]) -> None:
    """Every event's hash covers the one before it: a retried write was re-hashed on the fresh state."""
    previous = chain.GENESIS
    for fact in history:
        expected = chain.link(
            previous,
            journey_id=journey_id,
            version=fact.version,
            event_type=fact.type,
            occurred_at=fact.occurred_at,
            recorded_at=fact.recorded_at,
            actor=fact.actor,
            reason=fact.reason,
            data=fact.data,
        )
        assert fact.hash == expected, f"version {fact.version} does not chain to the one before"
        previous = fact.hash


def assert_verified(app: CarePlan) -> None:
    """Every concurrency test ends here: the whole store verifies (chains, snapshots, accounts)."""
    report = verify_store(app)
    assert report.ok, [str(b) for b in report.breaks]


@pytest.fixture
def writers(make_app, store_url, clock):  # type: ignore[no-untyped-def]
    """The first writer (the rival) and a factory for the second, on the same store."""
    first = make_app(store_url, clock)

    def second(rival: Callable[[], object]):  # type: ignore[no-untyped-def]
        racing = RivalGoesFirst(clock, rival)
        return make_app(store_url, racing), racing

    return first, second


def test_with_expected_version_the_later_writer_is_refused_with_the_current_version(writers, clock):
    first, make_second = writers
    journey_id = first.open_journey("MRN-000123", actor=CLINICIAN)
    second, race = make_second(lambda: first.record(journey_id, "NoteAdded", data("NoteAdded"), actor=RIVAL))

    with pytest.raises(VersionConflict) as conflict:
        second.record(
            journey_id,
            "ConsultationCompleted",
            data("ConsultationCompleted"),
            actor=CLINICIAN,
            expected_version=1,
        )

    assert race.raced
    assert conflict.value.expected_version == 1
    assert conflict.value.current_version == 2
    assert [f.type for f in first.history(journey_id)] == ["JourneyOpened", "NoteAdded"]
    assert_verified(first)


def test_a_refused_writer_leaves_none_of_its_events_even_when_the_command_made_two(writers, clock):
    first, make_second = writers
    journey_id = ready_for_induction(first, clock)
    second, race = make_second(lambda: first.record(journey_id, "NoteAdded", data("NoteAdded"), actor=RIVAL))
    self_harm = data("AssessmentRecorded", total=20, items=[2, 2, 2, 2, 2, 2, 3, 3, 2], context="other")

    with pytest.raises(VersionConflict) as conflict:
        second.record(journey_id, "AssessmentRecorded", self_harm, actor=CLINICIAN, expected_version=6)

    assert race.raced
    assert conflict.value.current_version == 7
    types = [f.type for f in first.history(journey_id)]
    assert types[-1] == "NoteAdded" and "SafetyAlertRaised" not in types
    assert first.get(journey_id).version == 7
    assert_verified(first)


def test_a_stale_expected_version_is_refused_before_anything_is_tried(writers, clock):
    first, _ = writers
    journey_id = first.open_journey("MRN-000123", actor=CLINICIAN)
    first.record(journey_id, "NoteAdded", data("NoteAdded"), actor=RIVAL)

    with pytest.raises(VersionConflict) as conflict:
        first.record(journey_id, "NoteAdded", data("NoteAdded"), actor=CLINICIAN, expected_version=1)

    assert conflict.value.current_version == 2
    assert first.get(journey_id).version == 2
    assert_verified(first)


def test_without_expected_version_both_writers_events_are_recorded_on_an_unbroken_chain(writers, clock):
    first, make_second = writers
    journey_id = first.open_journey("MRN-000123", actor=CLINICIAN)
    second, race = make_second(
        lambda: first.record(journey_id, "NoteAdded", data("NoteAdded", text="rival's note"), actor=RIVAL)
    )

    version = second.record(journey_id, "NoteAdded", data("NoteAdded", text="my note"), actor=CLINICIAN)

    assert race.raced
    assert version == 3
    history = first.history(journey_id)
    assert [(f.version, f.data.get("text")) for f in history[1:]] == [(2, "rival's note"), (3, "my note")]
    assert_chain_intact(journey_id, history)
    assert_verified(first)


def test_without_expected_version_the_retry_runs_the_rules_again_on_the_fresh_state(writers, clock):
    first, make_second = writers
    journey_id = ready_for_induction(first, clock)
    infused_at = clock.now

    def rival_infuses_and_takes_vitals_again() -> None:
        watched = infused_at + timedelta(minutes=40)  # the observation the discharge waits for
        first.record(journey_id, "InfusionCompleted", data("InfusionCompleted"), actor=RIVAL, occurred_at=infused_at)
        first.record(journey_id, "VitalsRecorded", data("VitalsRecorded", phase="post"), actor=RIVAL, occurred_at=watched)
        first.record(journey_id, "DischargeAssessed", data("DischargeAssessed"), actor=RIVAL, occurred_at=watched)
        first.record(journey_id, "VitalsRecorded", data("VitalsRecorded"), actor=RIVAL, occurred_at=watched + timedelta(minutes=5))

    second, race = make_second(rival_infuses_and_takes_vitals_again)
    clock.advance(hours=2)

    with pytest.raises(RuleViolation) as refusal:
        second.record(journey_id, "InfusionCompleted", data("InfusionCompleted"), actor=CLINICIAN)

    assert race.raced
    assert refusal.value.code == "administration_too_soon"  # 80 minutes after the rival's (DESIGN 7.1)
    types = [f.type for f in first.history(journey_id)]
    assert types.count("InfusionCompleted") == 1
    assert first.get(journey_id).version == 10  # the rival's infusion, post vitals, discharge and new vitals
    assert_verified(first)


def test_the_store_itself_refuses_a_save_made_on_a_stale_journey(writers, clock):
    first, make_second = writers
    journey_id = first.open_journey("MRN-000123", actor=CLINICIAN)
    second, _ = make_second(lambda: None)
    stale = second.get(journey_id)
    first.record(journey_id, "NoteAdded", data("NoteAdded"), actor=RIVAL)
    stale.record(
        "NoteAdded", data("NoteAdded"), actor=CLINICIAN, occurred_at=clock.now, reason=None, now=clock.now,
        resolve=second.protocol,
    )

    with pytest.raises(IntegrityError):
        second.save(stale)

    assert [f.actor for f in first.history(journey_id)] == [CLINICIAN, RIVAL]
    assert_verified(first)


def test_two_threads_writing_at_once_lose_nothing_and_keep_the_chain(make_app, store_url, clock):
    apps = [make_app(store_url, clock), make_app(store_url, clock)]
    journey_id = apps[0].open_journey("MRN-000123", actor=CLINICIAN)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def write(app, who: str) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        try:
            for n in range(5):
                app.record(journey_id, "NoteAdded", {"text": f"{who} {n}"}, actor=Actor(who, "clinician"))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=write, args=(app, who)) for app, who in zip(apps, ("ito", "ruiz"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures
    history = apps[1].history(journey_id)
    assert [f.version for f in history] == list(range(1, 12))
    assert sorted(f.data["text"] for f in history[1:]) == sorted(f"{w} {n}" for w in ("ito", "ruiz") for n in range(5))
    for who in ("ito", "ruiz"):
        mine = [f.data["text"] for f in history if f.actor.id == who]
        assert mine == [f"{who} {n}" for n in range(5)], "each writer's notes keep their order"
    assert_chain_intact(journey_id, history)
    assert_verified(apps[0])
