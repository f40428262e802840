"""Bookings through the API (DESIGN 6.4): chairs, opening hours, double bookings and proposed slots,
in a clinic in America/New_York (9:00 to 17:00 local, 4 chairs), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from careplan.booking import ChairTaken
from careplan.domain.values import Actor
from careplan.entrypoints.bootstrap import build_app
from tests.application.test_concurrency import assert_verified
from tests.conftest import Clock
from tests.web.conftest import People, make_web_app

CONSULT = {"eligible": True, "prior_antidepressant_trials": 3, "psychotherapy_tried": True}
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 09:00 EST


def ny_env(url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "CAREPLAN_DATABASE_URL": url,
        "CAREPLAN_INSTANCE": str(tmp_path / "instance"),
        "CAREPLAN_TIMEZONE": "America/New_York",
        "CAREPLAN_MODE": "demo",
    }


@pytest.fixture
def web(store_url: str, tmp_path: Path, clock: Clock) -> Any:
    clock.now = NOW
    flask_app = make_web_app(tmp_path, clock, CAREPLAN_ENV=ny_env(store_url, tmp_path))
    yield flask_app.test_client(), People(flask_app)
    instance = flask_app.extensions.get("careplan")
    if instance is not None:
        instance.close()


def call(web: tuple[FlaskClient, People], method: str, path: str, role: str = "coordinator", **kw: Any) -> Any:
    client, people = web
    return getattr(client, method)(f"/api/v1{path}", headers=people.headers(role), **kw)


def journey(web: Any, ref: str = "MRN-BOOK-1") -> str:
    answer = call(web, "post", "/journeys", json={"patient_ref": ref, "occurred_at": "2026-03-02T14:00:00Z"})
    assert answer.status_code == 201, answer.get_json()
    jid = str(answer.get_json()["id"])
    consulted = call(
        web, "post", f"/journeys/{jid}/events", "clinician", json={"type": "ConsultationCompleted", "data": CONSULT}
    )
    assert consulted.status_code == 201, consulted.get_json()
    return jid


def book(web: Any, jid: str, when: str, chair: int | None = 1, duration: int | None = None) -> Any:
    data: dict[str, Any] = {"phase": "induction", "scheduled_for": when}
    if chair is not None:
        data["chair"] = chair
    if duration is not None:
        data["duration_min"] = duration
    return call(web, "post", f"/journeys/{jid}/events", json={"type": "InfusionScheduled", "data": data})


def test_a_booking_inside_hours_on_a_chair_is_recorded(web: Any) -> None:
    jid = journey(web)
    answer = book(web, jid, "2026-03-03T10:00:00-05:00", chair=2, duration=60)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["recorded"][0]["data"]["chair"] == 2


@pytest.mark.parametrize(
    "when",
    ["2026-03-03T08:30:00-05:00", "2026-03-03T16:30:00-05:00", "2026-03-03T22:00:00Z", "2026-03-03T06:44:00Z"],
)
def test_a_booking_outside_opening_hours_is_422(web: Any, when: str) -> None:
    answer = book(web, journey(web), when)
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["code"] == "outside_clinic_hours"
    assert "outside the clinic's hours" in body["message"]


def test_outside_hours_is_deviable_with_a_reason_and_the_step_is_flagged(web: Any) -> None:
    jid = journey(web)
    data = {"phase": "induction", "scheduled_for": "2026-03-03T18:00:00-05:00", "chair": 1}
    body = {"type": "InfusionScheduled", "data": data}
    assert call(web, "post", f"/journeys/{jid}/events", json=body).get_json()["code"] == "outside_clinic_hours"
    reason = "Evening session agreed with the anaesthetist on call"
    answer = call(web, "post", f"/journeys/{jid}/events", json={**body, "deviation": reason})
    assert answer.status_code == 201, answer.get_json()
    (booked,) = [r for r in answer.get_json()["recorded"] if r["type"] == "InfusionScheduled"]
    assert booked["deviation"] == reason and booked["deviated"] == ["outside_clinic_hours"]
    chair_five = {**body, "data": {**data, "scheduled_for": "2026-03-04T10:00:00-05:00", "chair": 5}}
    refused = call(web, "post", f"/journeys/{jid}/events", json={**chair_five, "deviation": reason})
    assert refused.get_json()["code"] == "no_such_chair", "a chair the clinic lacks is never deviable"


def test_the_last_hour_fits_exactly(web: Any) -> None:
    assert book(web, journey(web), "2026-03-03T16:00:00-05:00").status_code == 201


def test_a_chair_the_clinic_does_not_have_is_422(web: Any) -> None:
    answer = book(web, journey(web), "2026-03-03T10:00:00-05:00", chair=5)
    assert answer.status_code == 422
    assert answer.get_json()["code"] == "no_such_chair"
    assert book(web, journey(web, "MRN-B2"), "2026-03-03T10:00:00-05:00", chair=4).status_code == 201


@pytest.mark.parametrize(
    ("field", "value"), [("chair", 0), ("chair", "two"), ("duration_min", 5), ("duration_min", 10_000)]
)
def test_ill_typed_chair_or_duration_is_422_with_field_message(web: Any, field: str, value: Any) -> None:
    data = {"phase": "induction", "scheduled_for": "2026-03-03T10:00:00-05:00", field: value}
    answer = call(web, "post", f"/journeys/{journey(web)}/events", json={"type": "InfusionScheduled", "data": data})
    assert answer.status_code == 422
    assert field in str(answer.get_json()["errors"])


def test_a_booking_without_offset_is_422(web: Any) -> None:
    answer = book(web, journey(web), "2026-03-03T10:00:00")
    assert answer.status_code == 422
    assert "offset" in str(answer.get_json()["errors"])


def test_an_overlap_on_the_same_chair_of_another_journey_is_409_chair_taken(web: Any) -> None:
    first, second = journey(web, "MRN-A"), journey(web, "MRN-B")
    assert book(web, first, "2026-03-03T10:00:00-05:00", chair=1).status_code == 201
    clash = book(web, second, "2026-03-03T10:30:00-05:00", chair=1)
    assert clash.status_code == 409
    assert clash.get_json()["code"] == "chair_taken"
    assert "MRN" not in clash.get_json()["message"]
    # the next hour (half-open intervals) and another chair at the same time are free
    assert book(web, second, "2026-03-03T11:00:00-05:00", chair=1).status_code == 201
    assert book(web, journey(web, "MRN-C"), "2026-03-03T10:00:00-05:00", chair=2).status_code == 201


def test_cancelling_frees_the_chair(web: Any) -> None:
    first, second = journey(web, "MRN-A"), journey(web, "MRN-B")
    assert book(web, first, "2026-03-03T10:00:00-05:00").status_code == 201
    cancel = call(
        web,
        "post",
        f"/journeys/{first}/events",
        json={"type": "InfusionCancelled", "data": {"phase": "induction"}, "reason": "Patient rang in sick."},
    )
    assert cancel.status_code == 201, cancel.get_json()
    assert book(web, second, "2026-03-03T10:00:00-05:00").status_code == 201


def test_a_refused_booking_leaves_no_chair_taken(web: Any) -> None:
    """A booking the journey's own rules refuse (here: a stale expected_version) takes no chair."""
    first, second = journey(web, "MRN-A"), journey(web, "MRN-B")
    data = {"phase": "induction", "scheduled_for": "2026-03-03T10:00:00-05:00", "chair": 1}
    stale = call(
        web,
        "post",
        f"/journeys/{first}/events",
        json={"type": "InfusionScheduled", "data": data, "expected_version": 7},
    )
    assert stale.status_code == 409 and stale.get_json()["code"] == "version_conflict"
    assert book(web, second, "2026-03-03T10:00:00-05:00").status_code == 201


def test_a_booking_across_the_march_change_uses_the_local_hours(web: Any) -> None:
    """Sunday 8 March 2026 the clocks go forward: 09:00 is 14:00Z on Saturday, 13:00Z on Monday."""
    jid = journey(web)
    assert book(web, jid, "2026-03-07T14:00:00Z").status_code == 201  # Sat 09:00 EST
    monday = journey(web, "MRN-DST")
    assert book(web, monday, "2026-03-09T13:00:00Z").status_code == 201  # Mon 09:00 EDT
    early = book(web, journey(web, "MRN-DST2"), "2026-03-09T12:30:00Z")  # Mon 08:30 EDT
    assert early.get_json()["code"] == "outside_clinic_hours"
    assert "EDT" in early.get_json()["message"]
    late = book(web, journey(web, "MRN-DST3"), "2026-03-07T21:30:00Z")  # Sat 16:30 EST: runs past 17:00
    assert late.get_json()["code"] == "outside_clinic_hours"


# -- slots -------------------------------------------------------------------------------------------


def test_slots_are_inside_hours_on_free_chairs_with_the_clinic_offset(web: Any) -> None:
    jid = journey(web)
    for chair in (1, 2, 3, 4):
        other = journey(web, f"MRN-S{chair}")
        assert book(web, other, "2026-03-03T09:00:00-05:00", chair=chair).status_code == 201
    answer = call(web, "get", f"/journeys/{jid}/slots?after=2026-03-03T08:00:00-05:00&limit=3")
    assert answer.status_code == 200, answer.get_json()
    slots = answer.get_json()
    assert [s["start"] for s in slots] == [
        "2026-03-03T10:00:00-05:00",
        "2026-03-03T10:30:00-05:00",
        "2026-03-03T11:00:00-05:00",
    ]
    assert slots[0] == {"start": "2026-03-03T10:00:00-05:00", "end": "2026-03-03T11:00:00-05:00", "chair": 1}


def test_slots_after_closing_start_the_next_morning_across_dst(web: Any) -> None:
    answer = call(web, "get", f"/journeys/{journey(web)}/slots?after=2026-03-07T16:45:00-05:00&limit=1")
    # Saturday closes at 17:00 EST; Sunday 8 March opens 09:00 EDT
    assert answer.get_json()[0]["start"] == "2026-03-08T09:00:00-04:00"


def test_slots_without_an_offset_is_422(web: Any) -> None:
    answer = call(web, "get", f"/journeys/{journey(web)}/slots?after=2026-03-03T08:00:00")
    assert answer.status_code == 422
    assert "after" in str(answer.get_json()["errors"])


@pytest.mark.parametrize("query", ["limit=0", "limit=51", "limit=x", "duration_min=1"])
def test_slots_refuse_bad_limits(web: Any, query: str) -> None:
    assert call(web, "get", f"/journeys/{journey(web)}/slots?{query}").status_code == 422


def test_slots_of_an_unknown_journey_is_404(web: Any) -> None:
    assert call(web, "get", "/journeys/00000000-0000-0000-0000-000000000000/slots").status_code == 404


def test_slots_are_in_the_openapi_document(web: Any) -> None:
    doc = call(web, "get", "/openapi.json").get_json()
    assert "/api/v1/journeys/{journey_id}/slots" in doc["paths"]
    props = doc["components"]["schemas"]["InfusionScheduledData"]["properties"]
    assert {"chair", "duration_min"} <= set(props)


# -- two coordinators at once ------------------------------------------------------------------------


def test_two_concurrent_bookings_of_one_chair_one_wins(store_url: str, tmp_path: Path) -> None:
    env = ny_env(store_url, tmp_path)
    apps = [build_app(env), build_app(env)]
    actor = Actor("coordinator", "coordinator")
    try:
        journeys = [apps[0].open_journey(f"MRN-RACE-{i}", actor=actor) for i in range(2)]
        for jid in journeys:
            apps[0].record(jid, "ConsultationCompleted", CONSULT, actor=Actor("dr", "clinician"))
        when = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 EST
        results: list[str] = []
        barrier = threading.Barrier(2)

        def go(i: int) -> None:
            barrier.wait()
            try:
                apps[i].record(
                    journeys[i],
                    "InfusionScheduled",
                    {"phase": "induction", "scheduled_for": when.isoformat(), "chair": 3},
                    actor=actor,
                )
                results.append("booked")
            except ChairTaken:
                results.append("chair_taken")

        threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["booked", "chair_taken"]
        rows = apps[0].chairs.between(when, when.replace(hour=16))
        assert len(rows) == 1
        assert_verified(apps[0])
    finally:
        for app in apps:
            app.close()
