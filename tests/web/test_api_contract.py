"""The JSON API's contract (docs/contract.md section 4): each endpoint, each error code, past states.

Every error has one shape, ``{"code", "message", "errors"?, "current_version"?}``, and bad input is
never a 500.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careplan.domain.vocabulary import CLINICIAN_EVENTS
from tests.conftest import Clock
from tests.examples import VALID_DATA
from tests.web.conftest import People

CONSULTATION = {"type": "ConsultationCompleted", "data": VALID_DATA["ConsultationCompleted"]}


PRE_LEAD_MIN = 40
"""How long before ``now`` ``Api.record`` dates pre-infusion vitals: the start of a 40-minute infusion."""


class Api:
    """The test client with a role's token."""

    def __init__(self, client: FlaskClient, people: People) -> None:
        self.client = client
        self.people = people

    def get(self, path: str, role: str = "auditor") -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.people.headers(role))

    def post(self, path: str, body: Any, role: str = "clinician") -> Any:
        return self.client.post(f"/api/v1{path}", json=body, headers=self.people.headers(role))

    def open(self, patient_ref: str = "MRN-000123", **extra: Any) -> str:
        response = self.post("/journeys", {"patient_ref": patient_ref, **extra}, role="coordinator")
        assert response.status_code == 201, response.get_json()
        return str(response.get_json()["id"])

    def record(self, journey_id: str, event_type: str, data: dict[str, Any], **extra: Any) -> Any:
        """Records an event now; pre-infusion vitals default to the start of a 40-minute infusion
        recorded now (at its end), which is when they are taken (DESIGN 7.1)."""
        if event_type == "VitalsRecorded" and data.get("phase") == "pre" and "occurred_at" not in extra:
            now = self.client.application.config["CAREPLAN_CLOCK"]()
            extra["occurred_at"] = (now - timedelta(minutes=PRE_LEAD_MIN)).isoformat()
        response = self.post(f"/journeys/{journey_id}/events", {"type": event_type, "data": data, **extra})
        assert response.status_code == 201, response.get_json()
        return response.get_json()


@pytest.fixture
def api(client: FlaskClient, people: People) -> Api:
    return Api(client, people)


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert isinstance(body["code"], str) and isinstance(body["message"], str)
    return body


# -- POST /journeys ------------------------------------------------------------------------------


def test_opening_a_journey_answers_201_with_its_id_and_location_and_records_the_coordinator(api: Api) -> None:
    response = api.post("/journeys", {"patient_ref": "MRN-000123"}, role="coordinator")
    assert response.status_code == 201
    journey_id = response.get_json()["id"]
    assert response.get_json()["version"] == 1
    assert response.headers["Location"] == f"/api/v1/journeys/{journey_id}"
    opened = api.get(f"/journeys/{journey_id}/events").get_json()[0]
    assert opened["type"] == "JourneyOpened"
    assert opened["actor"] == {"id": "coordinator", "role": "coordinator"}
    assert opened["data"] == {"patient_ref": "MRN-000123", "protocol": "ketamine-trd", "protocol_version": 1}


def test_a_journey_opened_with_a_past_occurred_at_keeps_its_clinical_time(api: Api, clock: Clock) -> None:
    earlier = clock.now - timedelta(days=10)
    journey_id = api.open(occurred_at=earlier.isoformat())
    opened = api.get(f"/journeys/{journey_id}/events").get_json()[0]
    assert opened["occurred_at"] == earlier.isoformat()
    assert opened["recorded_at"] == clock.now.isoformat()


def test_malformed_json_is_400_malformed_json(client: FlaskClient, people: People) -> None:
    response = client.post(
        "/api/v1/journeys", data='{"patient_ref": ', content_type="application/json", headers=people.headers("coordinator")
    )
    assert error_of(response, 400)["code"] == "malformed_json"


def test_a_name_as_patient_reference_is_422_with_the_field_message(api: Api) -> None:
    body = error_of(api.post("/journeys", {"patient_ref": "Jane Doe"}, role="coordinator"), 422)
    assert body["code"] == "validation_failed"
    assert list(body["errors"]) == ["patient_ref"]
    assert "Jane Doe" not in body["message"]


def test_an_unknown_field_is_refused_not_dropped(api: Api) -> None:
    body = error_of(api.post("/journeys", {"patient_ref": "MRN-1", "name": "Jane"}, role="coordinator"), 422)
    assert "name" in body["errors"]


def test_an_unknown_protocol_is_422_unknown_protocol(api: Api) -> None:
    body = error_of(api.post("/journeys", {"patient_ref": "MRN-1", "protocol": "nope"}, role="coordinator"), 422)
    assert body["code"] == "unknown_protocol"


def test_a_body_that_is_not_an_object_is_422(api: Api) -> None:
    assert error_of(api.post("/journeys", ["MRN-1"], role="coordinator"), 422)["code"] == "validation_failed"


def test_a_body_over_a_megabyte_is_413(api: Api) -> None:
    body = error_of(api.post("/journeys", {"patient_ref": "x" * (1024 * 1024)}, role="coordinator"), 413)
    assert body["code"] == "too_large"


# -- POST /journeys/{id}/events ------------------------------------------------------------------


def test_recording_an_event_answers_201_with_the_new_version_and_what_was_recorded(api: Api) -> None:
    journey_id = api.open()
    body = api.record(journey_id, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"])
    assert body["version"] == 2
    [event] = body["recorded"]
    assert event["type"] == "ConsultationCompleted" and event["version"] == 2
    assert event["actor"] == {"id": "clinician", "role": "clinician"}


def test_a_phq9_with_item_9_above_zero_returns_the_alert_it_raised_with_the_assessment(api: Api) -> None:
    journey_id = api.open()
    api.record(journey_id, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"])
    phq9 = {"instrument": "PHQ9", "total": 10, "items": [1, 1, 1, 1, 1, 1, 1, 2, 1], "context": "baseline"}
    body = api.record(journey_id, "AssessmentRecorded", phq9)
    assert [e["type"] for e in body["recorded"]] == ["AssessmentRecorded", "SafetyAlertRaised"]
    assert body["version"] == 4


def test_invalid_event_data_is_422_with_messages_nested_under_data(api: Api) -> None:
    journey_id = api.open()
    vitals = {"phase": "pre", "systolic": 400, "diastolic": 80, "heart_rate": 70}
    body = error_of(api.post(f"/journeys/{journey_id}/events", {"type": "VitalsRecorded", "data": vitals}), 422)
    assert list(body["errors"]) == ["data"]
    assert list(body["errors"]["data"]) == ["systolic"]


def test_a_missing_reason_where_one_is_required_is_422_on_reason(api: Api) -> None:
    journey_id = api.open()
    body = error_of(api.post(f"/journeys/{journey_id}/events", {"type": "JourneyPaused", "data": {}}), 422)
    assert "reason" in body["errors"]


def test_an_unknown_event_type_is_422_on_type(api: Api) -> None:
    journey_id = api.open()
    body = error_of(api.post(f"/journeys/{journey_id}/events", {"type": "StepOverdue", "data": {}}), 422)
    assert "type" in body["errors"]


def test_a_protocol_rule_refusal_is_422_with_the_rules_code_and_a_sentence(api: Api, clock: Clock) -> None:
    journey_id = api.open()
    api.record(journey_id, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"])
    clock.advance(days=1)
    api.record(journey_id, "MedicationReviewed", VALID_DATA["MedicationReviewed"])
    api.record(journey_id, "ContraindicationScreened", {"findings": []})
    api.record(journey_id, "AssessmentRecorded", VALID_DATA["AssessmentRecorded"])
    clock.advance(days=1)
    api.record(journey_id, "VitalsRecorded", {"phase": "pre", "systolic": 150, "diastolic": 95, "heart_rate": 80})
    response = api.post(f"/journeys/{journey_id}/events", {"type": "InfusionCompleted", "data": VALID_DATA["InfusionCompleted"]})
    body = error_of(response, 422)
    assert body["code"] == "blood_pressure_hold"
    assert "150/95" in body["message"]
    assert len(api.get(f"/journeys/{journey_id}/events").get_json()) == 6  # nothing was written (the baseline PHQ-9 raised no alert)


def test_a_stale_expected_version_is_409_with_the_current_version_and_nothing_written(api: Api) -> None:
    journey_id = api.open()
    api.record(journey_id, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"])
    note = {"type": "NoteAdded", "data": {"text": "Called about transport."}, "expected_version": 1}
    body = error_of(api.post(f"/journeys/{journey_id}/events", note), 409)
    assert body["code"] == "version_conflict"
    assert body["current_version"] == 2
    retried = api.post(f"/journeys/{journey_id}/events", {**note, "expected_version": 2})
    assert retried.status_code == 201


def test_an_unknown_journey_is_404_for_reads_and_writes(api: Api) -> None:
    missing = "/journeys/6f1c1f7e-0000-4000-8000-000000000000"
    assert error_of(api.get(missing), 404)["code"] == "unknown_journey"
    assert error_of(api.get(f"{missing}/events"), 404)["code"] == "unknown_journey"
    assert error_of(api.post(f"{missing}/events", CONSULTATION), 404)["code"] == "unknown_journey"


def test_a_user_account_id_is_not_a_journey(api: Api, people: People) -> None:
    from careplan.domain.users import user_id

    assert api.get(f"/journeys/{user_id('clinician')}").status_code == 404


# -- authentication ------------------------------------------------------------------------------


def test_no_token_is_401_with_a_bearer_challenge(client: FlaskClient) -> None:
    response = client.get("/api/v1/journeys")
    assert error_of(response, 401)["code"] == "token_required"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer cp1.00000000000000000000000000000000.x"],
)
def test_a_token_that_does_not_work_is_401(client: FlaskClient, people: People, header: str) -> None:
    people.add("clinician")
    assert error_of(client.get("/api/v1/journeys", headers={"Authorization": header}), 401)["code"] in (
        "invalid_token",
        "token_required",
    )


def test_a_disabled_accounts_token_stops_working_at_once(api: Api, people: People) -> None:
    from careplan.domain.values import Actor

    assert api.get("/journeys", role="clinician").status_code == 200
    people.users().disable("clinician", actor=Actor("tests", "admin"))
    assert error_of(api.get("/journeys", role="clinician"), 401)["code"] == "invalid_token"


def test_a_new_token_replaces_the_old_one(api: Api, people: People, client: FlaskClient) -> None:
    from careplan.domain.values import Actor

    old = people.headers("clinician")
    new = people.users().issue_token("clinician", actor=Actor("tests", "admin"))
    assert client.get("/api/v1/journeys", headers=old).status_code == 401
    assert client.get("/api/v1/journeys", headers={"Authorization": f"Bearer {new}"}).status_code == 200


# -- GET /journeys/{id}: now and past states -----------------------------------------------------


def test_the_state_has_steps_keyed_by_name_outcome_alerts_and_version(api: Api) -> None:
    journey_id = api.open()
    api.record(journey_id, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"])
    state = api.get(f"/journeys/{journey_id}").get_json()
    assert state["id"] == journey_id and state["version"] == 2 and state["status"] == "active"
    assert state["protocol"] == {"id": "ketamine-trd", "version": 1}
    assert state["steps"]["consultation"]["status"] == "completed"
    assert state["steps"]["medication_review"]["due_at"] is not None
    assert set(state["outcome"]) == {"phq9_baseline", "phq9_latest", "change_pct", "classification"}
    assert state["alerts"] == [] and state["infusions"]["induction_target"] == 6


def test_a_past_version_shows_the_state_before_later_events(api: Api) -> None:
    journey_id = api.open()
    api.record(journey_id, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"])
    state = api.get(f"/journeys/{journey_id}?version=1").get_json()
    assert state["version"] == 1
    assert state["steps"]["consultation"]["status"] != "completed"


def test_as_of_shows_what_was_known_at_that_moment(api: Api, clock: Clock) -> None:
    journey_id = api.open()
    opened_at = clock.now
    clock.advance(hours=2)
    api.record(journey_id, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"])
    before = api.get(f"/journeys/{journey_id}?as_of={(opened_at + timedelta(hours=1)).isoformat().replace('+', '%2B')}")
    assert before.get_json()["version"] == 1
    assert before.get_json()["as_of"] == (opened_at + timedelta(hours=1)).isoformat()
    now = api.get(f"/journeys/{journey_id}?as_of={clock.now.isoformat().replace('+', '%2B')}")
    assert now.get_json()["version"] == 2


def test_as_of_before_the_journey_was_recorded_is_404(api: Api, clock: Clock) -> None:
    journey_id = api.open()
    earlier = (clock.now - timedelta(days=1)).isoformat().replace("+", "%2B")
    assert error_of(api.get(f"/journeys/{journey_id}?as_of={earlier}"), 404)["code"] == "not_yet_recorded"


@pytest.mark.parametrize("query", ["version=0", "version=9", "version=x", "as_of=yesterday", "version=1&as_of=2026-03-02T09:00:00"])
def test_a_bad_version_or_as_of_is_422(api: Api, query: str) -> None:
    journey_id = api.open()
    assert error_of(api.get(f"/journeys/{journey_id}?{query}"), 422)["code"] == "validation_failed"


# -- GET /journeys/{id}/events, GET /journeys, GET /worklists, GET /event-types --------------------


def test_events_list_version_type_times_actor_reason_data_and_corrections(api: Api) -> None:
    journey_id = api.open()
    api.record(journey_id, "NoteAdded", {"text": "Wrong chart."})
    api.record(journey_id, "EventEnteredInError", {"target_version": 2}, reason="Entered on the wrong journey.")
    events = api.get(f"/journeys/{journey_id}/events").get_json()
    assert [e["version"] for e in events] == [1, 2, 3]
    assert set(events[0]) >= {"version", "type", "occurred_at", "recorded_at", "actor", "reason", "data"}
    assert events[1]["entered_in_error"] is True and events[0]["entered_in_error"] is False
    assert events[2]["reason"] == "Entered on the wrong journey."


def test_journeys_are_listed_in_pages_with_the_total_in_x_pagination(api: Api) -> None:
    for number in range(3):
        api.open(f"MRN-{number}")
    response = api.get("/journeys?page=1&page_size=2")
    assert response.status_code == 200
    assert len(response.get_json()) == 2
    assert '"total": 3' in response.headers["X-Pagination"]
    assert api.get("/journeys?status=closed").get_json() == []
    assert error_of(api.get("/journeys?status=nonsense"), 422)["code"] == "validation_failed"


def test_worklists_list_each_worklist_with_why_each_journey_is_on_it(api: Api, clock: Clock) -> None:
    journey_id = api.open()
    api.record(journey_id, "JourneyPaused", {}, reason="Patient travelling.")
    body = api.get("/worklists").get_json()
    assert set(body["worklists"]) == {"due_today", "overdue", "blocked", "safety_alerts", "on_hold", "deviations"}
    on_hold = body["worklists"]["on_hold"]
    assert on_hold["total"] == 1 and on_hold["items"][0]["id"] == journey_id and on_hold["items"][0]["note"]
    only = api.get("/worklists?name=on_hold").get_json()
    assert list(only["worklists"]) == ["on_hold"]
    assert api.get("/worklists?name=nonsense").status_code == 422


def test_event_types_list_every_recordable_type_with_who_may_record_it(api: Api) -> None:
    types = {t["type"]: t for t in api.get("/event-types", role="coordinator").get_json()}
    assert list(types) == list(CLINICIAN_EVENTS)
    assert types["NoteAdded"]["allowed"] is True and types["VitalsRecorded"]["allowed"] is False
    assert types["VitalsRecorded"]["recordable_by"] == ["clinician"]
    assert types["JourneyPaused"]["reason_required"] is True
    assert {"name": "systolic", "required": True} in types["VitalsRecorded"]["fields"]


def test_unknown_api_paths_and_methods_answer_json_404_and_405(api: Api, client: FlaskClient, people: People) -> None:
    assert error_of(api.get("/nowhere"), 404)["code"] == "not_found"
    assert error_of(client.delete("/api/v1/journeys", headers=people.headers("admin")), 405)["code"] == "method_not_allowed"


# -- bad input is never a 500 --------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {"type": st.sampled_from(CLINICIAN_EVENTS), "data": JSON},
        optional={"reason": JSON, "occurred_at": JSON, "expected_version": JSON},
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
def test_any_json_body_is_answered_with_a_4xx_or_a_201_never_a_500(api: Api, body: Any) -> None:
    journey_id = getattr(api, "journey", None) or api.open()
    api.journey = journey_id  # type: ignore[attr-defined]
    response = api.post(f"/journeys/{journey_id}/events", body)
    assert response.status_code in (201, 400, 409, 422), response.get_json()
    assert "code" in response.get_json() or response.status_code == 201


def test_an_unexpected_error_is_a_json_500_logged_without_the_request_data(
    app: Any, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise KeyError("MRN-SECRET-1")

    app.add_url_rule("/api/v1/broken", view_func=broken, methods=["POST"])
    response = app.test_client().post("/api/v1/broken?patient_ref=MRN-SECRET-2", json={"patient_ref": "MRN-SECRET-3"})
    body = error_of(response, 500)
    assert body["code"] == "internal_error" and "MRN" not in body["message"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "KeyError" in logged and "MRN-SECRET-2" not in logged and "MRN-SECRET-3" not in logged
