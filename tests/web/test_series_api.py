"""Bookings judged by the timing rules, and a series in one step, through the API (DESIGN 7.2 and 7.9),
on SQLite and PostgreSQL, in the New York clinic of ``test_booking_api`` (9:00 to 17:00, 4 chairs).

Every code of 7.2 for one booking and for a series (where the refusal names the booking by ``index``),
the series proposal (``/slots?series=N``) and its all-or-none booking (``POST /bookings``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Clock
from tests.examples import VALID_DATA
from tests.web import test_booking_api
from tests.web.test_booking_api import book, call, journey

BASELINE = {"instrument": "PHQ9", "total": 18, "items": [2, 2, 2, 2, 2, 2, 3, 3, 0], "context": "baseline"}
web = test_booking_api.web
"""The New York clinic's app on the parametrized store, and its people (the fixture of the booking tests)."""
PRE = {"phase": "pre", "systolic": 124, "diastolic": 80, "heart_rate": 72, "spo2": 98}


def at(text: str) -> str:
    return datetime.fromisoformat(text).isoformat()


def series(web: Any, jid: str, starts: list[str], chair: int = 1, **extra: Any) -> Any:
    body = {"phase": "induction", "bookings": [{"start": s, "chair": chair} for s in starts], **extra}
    return call(web, "post", f"/journeys/{jid}/bookings", json=body)


def events_of(web: Any, jid: str) -> int:
    return len(call(web, "get", f"/journeys/{jid}/events").get_json())


def refused(answer: Any, status: int, code: str, index: int | None = None) -> dict[str, Any]:
    body = answer.get_json()
    assert answer.status_code == status, body
    assert body["code"] == code, body
    if index is not None:
        assert body["index"] == index, body
    assert "MRN" not in body["message"]
    return dict(body)


def given(web: Any, clock: Clock, jid: str) -> datetime:
    """The journey's first infusion, given now (40 minutes after its pre-infusion vitals): its end."""
    for event_type, data in (
        ("MedicationReviewed", VALID_DATA["MedicationReviewed"]),
        ("ContraindicationScreened", {"findings": []}),
        ("AssessmentRecorded", BASELINE),
        ("VitalsRecorded", PRE),
    ):
        answer = call(web, "post", f"/journeys/{jid}/events", "clinician", json={"type": event_type, "data": data})
        assert answer.status_code == 201, answer.get_json()
    clock.advance(minutes=45)
    infusion = {"type": "InfusionCompleted", "data": VALID_DATA["InfusionCompleted"]}
    answer = call(web, "post", f"/journeys/{jid}/events", "clinician", json=infusion)
    assert answer.status_code == 201, answer.get_json()
    return clock.now


# -- one booking, judged as the infusion at its start would be ----------------------------------------


def test_a_booking_under_48_h_from_another_open_booking_is_422_spacing_too_short(web: Any) -> None:
    jid = journey(web)
    assert book(web, jid, at("2026-03-03T10:00:00-05:00")).status_code == 201
    answer = book(web, jid, at("2026-03-05T09:30:00-05:00"), chair=2)  # 47.5 h start to start
    body = refused(answer, 422, "spacing_too_short")
    assert "48 h apart" in body["message"]
    assert book(web, jid, at("2026-03-05T10:00:00-05:00"), chair=2).status_code == 201  # 48 h: enough


def test_spacing_is_deviable_with_a_reason(web: Any) -> None:
    jid = journey(web)
    assert book(web, jid, at("2026-03-03T10:00:00-05:00")).status_code == 201
    data = {"phase": "induction", "scheduled_for": at("2026-03-04T15:00:00-05:00"), "chair": 1}
    body = {"type": "InfusionScheduled", "data": data, "deviation": "Escort away from Thursday"}
    answer = call(web, "post", f"/journeys/{jid}/events", json=body)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["recorded"][0]["deviated"] == ["spacing_too_short"]


def test_a_booking_under_24_h_after_an_administration_ended_is_422_administration_too_soon(
    web: Any, clock: Clock
) -> None:
    jid = journey(web)
    ended = given(web, clock, jid)
    soon = (ended + timedelta(hours=23, minutes=15)).isoformat()  # 09:00 EST the next day: open
    body = {"type": "InfusionScheduled", "data": {"phase": "induction", "scheduled_for": soon, "chair": 1}}
    refused(call(web, "post", f"/journeys/{jid}/events", json=body), 422, "administration_too_soon")
    with_reason = {**body, "deviation": "Patient asked"}
    refused(call(web, "post", f"/journeys/{jid}/events", json=with_reason), 422, "administration_too_soon")
    refused(series(web, jid, [soon]), 422, "administration_too_soon", 0)


def test_a_booking_past_the_window_of_the_booked_first_is_422_induction_window_exceeded(web: Any) -> None:
    jid = journey(web)
    assert book(web, jid, at("2026-03-03T10:00:00-05:00")).status_code == 201
    refused(book(web, jid, at("2026-03-24T12:00:00-04:00")), 422, "induction_window_exceeded")  # 21 d 1 h
    assert book(web, jid, at("2026-03-23T10:00:00-04:00")).status_code == 201


# -- the series proposal ---------------------------------------------------------------------------------


def test_six_proposed_starts_keep_48_h_the_window_and_the_hours_and_book_in_one_step(web: Any) -> None:
    jid = journey(web)
    answer = call(web, "get", f"/journeys/{jid}/slots?series=6")
    assert answer.status_code == 200, answer.get_json()
    slots = answer.get_json()
    starts = [datetime.fromisoformat(s["start"]) for s in slots]
    assert len(starts) == 6
    assert all(b - a >= timedelta(hours=48) for a, b in zip(starts, starts[1:]))
    assert starts[-1] - starts[0] <= timedelta(days=21)
    assert all(9 <= s.hour and s.hour + 1 <= 17 for s in starts)
    before = events_of(web, jid)
    bookings = [{"start": s["start"], "chair": s["chair"]} for s in slots]
    booked = call(web, "post", f"/journeys/{jid}/bookings", json={"phase": "induction", "bookings": bookings})
    assert booked.status_code == 201, booked.get_json()
    assert [r["type"] for r in booked.get_json()["recorded"]] == ["InfusionScheduled"] * 6
    assert events_of(web, jid) == before + 6
    assert booked.headers["Location"].endswith(f"/journeys/{jid}")
    # the journey's open bookings count: no further slot fits the series' spacing before the last
    again = call(web, "get", f"/journeys/{jid}/slots?limit=1").get_json()
    assert datetime.fromisoformat(again[0]["start"]) - starts[-1] >= timedelta(hours=48)


def test_the_proposal_skips_taken_chairs_of_other_journeys(web: Any) -> None:
    first_slot = call(web, "get", f"/journeys/{journey(web)}/slots?series=1").get_json()[0]
    for chair in (1, 2, 3, 4):
        other = journey(web, f"MRN-FULL-{chair}")
        assert book(web, other, first_slot["start"], chair=chair).status_code == 201
    jid = journey(web, "MRN-SERIES")
    proposed = call(web, "get", f"/journeys/{jid}/slots?series=2").get_json()
    assert proposed[0]["start"] != first_slot["start"]


def test_a_series_that_does_not_fit_is_422_series_does_not_fit(web: Any, clock: Clock) -> None:
    jid = journey(web)
    given(web, clock, jid)
    late = (clock.now + timedelta(days=17)).isoformat()
    answer = call(web, "get", f"/journeys/{jid}/slots", query_string={"series": 5, "after": late})
    assert "fit" in refused(answer, 422, "series_does_not_fit")["message"]


@pytest.mark.parametrize("query", ["series=0", "series=13", "series=two", "phase=later"])
def test_a_bad_series_query_is_422_with_the_field(web: Any, query: str) -> None:
    answer = call(web, "get", f"/journeys/{journey(web)}/slots?{query}")
    assert answer.status_code == 422
    assert query.split("=")[0] in str(answer.get_json()["errors"])


# -- the series booking: all or none, the refusal names the booking ----------------------------------


@pytest.mark.parametrize(
    ("starts", "chair", "code", "index"),
    [
        (["2026-03-03T10:00:00-05:00", "2026-03-04T16:00:00-05:00"], 1, "spacing_too_short", 1),
        (["2026-03-03T10:00:00-05:00", "2026-03-05T10:00:00-05:00", "2026-03-06T16:00:00-05:00"], 1,
         "spacing_too_short", 2),
        (["2026-03-03T10:00:00-05:00", "2026-03-04T10:00:00-05:00"], 1, "administration_too_soon", 1),
        (["2026-03-03T10:00:00-05:00", "2026-03-09T19:00:00-04:00"], 1, "outside_clinic_hours", 1),
        (["2026-03-03T10:00:00-05:00", "2026-03-26T10:00:00-04:00"], 1, "induction_window_exceeded", 1),
        (["2026-03-03T10:00:00-05:00"], 5, "no_such_chair", 0),
    ],
)
def test_a_refused_booking_of_a_series_names_its_index_and_nothing_is_written(
    web: Any, starts: list[str], chair: int, code: str, index: int
) -> None:
    jid = journey(web)
    before = events_of(web, jid)
    refused(series(web, jid, starts, chair), 422, code, index)
    assert events_of(web, jid) == before
    # no chair was taken either: another journey books the first start on that chair
    if chair <= 4:
        assert book(web, journey(web, "MRN-AFTER"), starts[0], chair=chair).status_code == 201


def test_a_series_with_a_chair_taken_is_409_chair_taken_with_its_index(web: Any) -> None:
    other = journey(web, "MRN-OTHER")
    assert book(web, other, "2026-03-05T10:00:00-05:00", chair=2).status_code == 201
    jid = journey(web)
    starts = ["2026-03-03T10:00:00-05:00", "2026-03-05T10:30:00-05:00", "2026-03-07T11:00:00-05:00"]
    before = events_of(web, jid)
    body = refused(series(web, jid, starts, chair=2), 409, "chair_taken", 1)
    assert "chair 2" in body["message"].lower()
    assert events_of(web, jid) == before
    assert book(web, journey(web, "MRN-THIRD"), starts[0], chair=2).status_code == 201, "the first chair was freed"


def test_a_deviation_waives_the_deviable_codes_of_a_series(web: Any) -> None:
    jid = journey(web)
    starts = ["2026-03-03T10:00:00-05:00", "2026-03-04T16:00:00-05:00"]
    answer = series(web, jid, starts, deviation="Escort away from Thursday")
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["recorded"][1]["deviated"] == ["spacing_too_short"]


def test_a_stale_expected_version_is_409_and_writes_nothing(web: Any) -> None:
    jid = journey(web)
    answer = series(web, jid, ["2026-03-03T10:00:00-05:00"], expected_version=1)
    assert refused(answer, 409, "version_conflict")["current_version"] >= 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phase": "induction", "bookings": []}, "bookings"),
        ({"phase": "induction"}, "bookings"),
        ({"bookings": [{"start": "2026-03-03T10:00:00-05:00", "chair": 1}]}, "phase"),
        ({"phase": "induction", "bookings": [{"start": "2026-03-03T10:00:00", "chair": 1}]}, "start"),
        ({"phase": "induction", "bookings": [{"start": "2026-03-03T10:00:00-05:00"}]}, "chair"),
        ({"phase": "induction", "bookings": [{"start": "2026-03-03T10:00:00-05:00", "chair": 1, "duration_min": 5}]},
         "duration_min"),
    ],
)
def test_an_ill_formed_series_is_422_with_field_messages(web: Any, body: dict[str, Any], field: str) -> None:
    answer = call(web, "post", f"/journeys/{journey(web)}/bookings", json=body)
    assert answer.status_code == 422
    assert field in str(answer.get_json()["errors"])


def test_who_may_book_a_series(web: Any) -> None:
    jid = journey(web)
    starts = ["2026-03-03T10:00:00-05:00"]
    body = {"phase": "induction", "bookings": [{"start": starts[0], "chair": 1}]}
    assert call(web, "post", f"/journeys/{jid}/bookings", "auditor", json=body).status_code == 403
    assert call(web, "post", "/journeys/00000000-0000-0000-0000-000000000000/bookings", json=body).status_code == 404
    assert call(web, "post", f"/journeys/{jid}/bookings", "clinician", json=body).status_code == 201


def test_the_series_endpoints_are_in_the_openapi_document(web: Any) -> None:
    doc = call(web, "get", "/openapi.json").get_json()
    assert "post" in doc["paths"]["/api/v1/journeys/{journey_id}/bookings"]
    params = {p["name"] for p in doc["paths"]["/api/v1/journeys/{journey_id}/slots"]["get"]["parameters"]}
    assert {"series", "phase"} <= params


def test_the_state_names_what_blocks_the_next_infusion_in_next_actions(web: Any, clock: Clock) -> None:
    jid = journey(web)
    given(web, clock, jid)
    for event_type, data in (
        ("VitalsRecorded", {**PRE, "phase": "post"}),
        ("DischargeAssessed", VALID_DATA["DischargeAssessed"]),
    ):
        clock.advance(minutes=35)
        answer = call(web, "post", f"/journeys/{jid}/events", "clinician", json={"type": event_type, "data": data})
        assert answer.status_code == 201, answer.get_json()
    first = call(web, "get", f"/journeys/{jid}").get_json()["next_actions"][0]
    assert first["blocked_by"] == "administration_too_soon"
    assert first["step"] == "induction" and first["action"].startswith("The next infusion may start 24 h after")
    clock.advance(hours=30)
    first = call(web, "get", f"/journeys/{jid}").get_json()["next_actions"][0]
    assert (first["blocked_by"], first["action"]) == ("spacing_too_short", "Infusions must start at least 48 h apart.")
