"""The verifier names the first broken link when a stored row is edited, deleted or moved.

Every tamper here is made the way someone with database access would make it: plain SQL on the
tables the application uses, on SQLite and on PostgreSQL, with no help from the library.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from careplan.application import CarePlan
from careplan.audit import stored
from careplan.audit.verify import check_journey, verify_store
from tests.audit.histories import PATIENT_REF, short_history
from tests.audit.tamper import Tamperer


@pytest.fixture
def store(app: CarePlan, clock: Any) -> tuple[CarePlan, Any, Any]:
    """Two journeys of six events each; the first is the one tampered with."""
    first = short_history(app, clock)
    second = short_history(app, clock, patient_ref="MRN-0002")
    return app, first, second


def only_break(app: CarePlan) -> Any:
    report = verify_store(app)
    assert len(report.journeys) == 2
    (found,) = report.breaks
    return found


def test_an_untouched_store_verifies(store: tuple[CarePlan, Any, Any]) -> None:
    app, first, _ = store
    report = verify_store(app)
    assert report.ok
    assert report.events == 12
    assert check_journey(app, first).hashes == tuple(fact.hash for fact in app.history(first))


def test_editing_an_events_data_breaks_the_chain_at_that_event(store: tuple[CarePlan, Any, Any]) -> None:
    app, first, _ = store
    Tamperer(app).edit_json(first, 5, lambda state: state["data"].update(total=4))
    found = only_break(app)
    assert (found.journey_id, found.version, found.problem) == (first, 5, "hash_mismatch")
    assert "AssessmentRecorded" in found.detail


def test_editing_an_events_metadata_breaks_the_chain_at_that_event(store: tuple[CarePlan, Any, Any]) -> None:
    app, first, _ = store
    Tamperer(app).edit_json(first, 3, lambda state: state.update(reason="added later"))
    found = only_break(app)
    assert (found.journey_id, found.version, found.problem) == (first, 3, "hash_mismatch")


def test_replacing_a_stored_hash_is_caught_at_that_event(store: tuple[CarePlan, Any, Any]) -> None:
    app, first, _ = store
    Tamperer(app).edit_json(first, 4, lambda state: state.update(hash="0" * 64))
    found = only_break(app)
    assert (found.version, found.problem) == (4, "hash_mismatch")


def test_editing_the_patient_reference_breaks_the_first_link(store: tuple[CarePlan, Any, Any]) -> None:
    app, first, _ = store
    Tamperer(app).edit_json(first, 1, lambda state: state.update(patient_ref="MRN-SOMEONE-ELSE"))
    found = only_break(app)
    assert (found.journey_id, found.version, found.problem) == (first, 1, "hash_mismatch")
    assert PATIENT_REF not in str(found) and "SOMEONE" not in str(found)


def test_deleting_an_event_is_named_as_the_missing_version(store: tuple[CarePlan, Any, Any]) -> None:
    app, first, _ = store
    Tamperer(app).delete(first, 4)
    found = only_break(app)
    assert (found.journey_id, found.version, found.problem) == (first, 4, "missing_event")
    assert "from 3 to 5" in found.detail


def test_deleting_the_opening_event_is_caught(store: tuple[CarePlan, Any, Any]) -> None:
    app, first, _ = store
    Tamperer(app).delete(first, 1)
    found = only_break(app)
    assert (found.journey_id, found.version, found.problem) == (first, 1, "missing_event")


def test_swapping_two_events_is_named_as_a_reorder_at_the_earlier_version(store: tuple[CarePlan, Any, Any]) -> None:
    app, first, _ = store
    Tamperer(app).swap(first, 3, 5)
    found = only_break(app)
    assert (found.journey_id, found.version, found.problem) == (first, 3, "out_of_order")
    assert "chained as version 5" in found.detail


def test_a_row_that_no_longer_decodes_is_named(store: tuple[CarePlan, Any, Any]) -> None:
    app, first, _ = store
    Tamperer(app).rewrite(first, 2, lambda state: state[:-7])
    found = only_break(app)
    assert (found.version, found.problem) == (2, "undecodable")


def test_a_row_moved_to_another_journey_breaks_both(store: tuple[CarePlan, Any, Any]) -> None:
    app, first, second = store
    tamper = Tamperer(app)
    stolen = tamper.state(second, 6)
    tamper.rewrite(first, 6, lambda _: stolen)
    found = only_break(app)
    assert (found.journey_id, found.version, found.problem) == (first, 6, "hash_mismatch")


@pytest.mark.parametrize("store_kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_with_encryption_at_rest_an_edited_row_fails_to_authenticate(
    store_kind: str, request: pytest.FixtureRequest, make_app: Callable[..., CarePlan], clock: Any
) -> None:
    key = base64.b64encode(bytes(range(32))).decode()
    app = make_app(request.getfixturevalue(f"{store_kind}_url"), clock, cipher_key=key)
    journey = short_history(app, clock)
    tamper = Tamperer(app)
    assert PATIENT_REF.encode() not in tamper.state(journey, 1)
    assert verify_store(app).ok
    tamper.rewrite(journey, 4, lambda state: state[:40] + bytes([state[40] ^ 1]) + state[41:])
    (found,) = verify_store(app).breaks
    assert (found.journey_id, found.version, found.problem) == (journey, 4, "undecodable")
    assert "decrypted and authenticated" in found.detail


@pytest.fixture
def snapshotted(make_app: Callable[..., CarePlan], store_url: str, clock: Any) -> tuple[CarePlan, Any]:
    """One journey of six events with snapshots at versions 3 and 6 (the app reads through them)."""
    app = make_app(store_url, clock, snapshot_interval=3)
    return app, short_history(app, clock)


def forge_total(total: int) -> Callable[[dict[str, Any]], None]:
    def change(snapshot: dict[str, Any]) -> None:
        record = snapshot["state"]["chart"]["_data_"]  # the folded clinical record the snapshot keeps
        record["assessments"][-1]["total"] = total

    return change


def test_snapshots_that_agree_with_the_chain_verify(snapshotted: tuple[CarePlan, Any]) -> None:
    app, journey = snapshotted
    assert [version for version, _ in stored.snapshots(app, journey)] == [3, 6]
    assert check_journey(app, journey).ok


def test_a_forged_snapshot_is_caught_although_every_event_is_intact(snapshotted: tuple[CarePlan, Any]) -> None:
    app, journey = snapshotted
    tamper = Tamperer(app)
    tamper.edit_json(journey, 6, forge_total(3), table=tamper.snapshots)
    assert app.get(journey).chart.assessments[-1].total == 3, "the application reads the forged snapshot"
    found = check_journey(app, journey).broken
    assert found is not None
    assert (found.version, found.problem) == (6, "snapshot_mismatch")
    assert "not the fold of its events" in found.detail


def test_a_snapshot_forged_to_match_a_forged_event_does_not_hide_the_event(snapshotted: tuple[CarePlan, Any]) -> None:
    app, journey = snapshotted
    tamper = Tamperer(app)
    tamper.edit_json(journey, 5, lambda state: state["data"].update(total=3))
    tamper.edit_json(journey, 6, forge_total(3), table=tamper.snapshots)
    found = check_journey(app, journey).broken
    assert found is not None
    assert (found.version, found.problem) == (5, "hash_mismatch")


def test_deleting_the_newest_event_is_caught_by_the_snapshot_beyond_it(snapshotted: tuple[CarePlan, Any]) -> None:
    app, journey = snapshotted
    Tamperer(app).delete(journey, 6)
    found = check_journey(app, journey).broken
    assert found is not None
    assert (found.version, found.problem) == (6, "snapshot_mismatch")
    assert "beyond the last stored event (version 5)" in found.detail


def test_a_forged_snapshot_field_outside_the_history_is_caught(snapshotted: tuple[CarePlan, Any]) -> None:
    app, journey = snapshotted
    tamper = Tamperer(app)
    tamper.edit_json(journey, 3, lambda snapshot: snapshot["state"].update(patient_ref="MRN-OTHER"), table=tamper.snapshots)
    found = check_journey(app, journey).broken
    assert found is not None
    assert (found.version, found.problem) == (3, "snapshot_mismatch")
    assert "patient ref" in found.detail and "MRN" not in found.detail
