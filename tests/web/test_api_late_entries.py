"""Clinical time through the JSON API (DESIGN 7.1), on SQLite and PostgreSQL: a late entry judged
where it happened, the retrospective alert in the same save's answer, an alert whose source is
entered in error left open."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.examples import VALID_DATA
from tests.web.conftest import People, make_web_app
from tests.web.test_api_alerts import SELF_HARM, acknowledge, ready
from tests.web.test_api_contract import Api, error_of

PRE = {"phase": "pre", "systolic": 120, "diastolic": 80, "heart_rate": 70}
POST = {"phase": "post", "systolic": 118, "diastolic": 76, "heart_rate": 68}
DISCHARGE = {"phase": "induction", "observation_min": 40, "alert_and_oriented": True, "escort_present": True}


@pytest.fixture
def app(tmp_path: Path, clock: Clock, store_url: str) -> Iterator[Flask]:  # type: ignore[override]
    env = {"CAREPLAN_DATABASE_URL": store_url, "CAREPLAN_INSTANCE": str(tmp_path / "instance"), "CAREPLAN_MODE": "demo"}
    flask_app = make_web_app(tmp_path, clock, CAREPLAN_ENV=env)
    yield flask_app
    instance = flask_app.extensions.get("careplan")
    if instance is not None:
        instance.close()


@pytest.fixture
def api(client: FlaskClient, people: People) -> Api:
    return Api(client, people)


def at(clock: Clock, **before: float) -> str:
    return (clock() - timedelta(**before)).isoformat()


def given(api: Api, clock: Clock, journey_id: str) -> tuple[int, int]:
    """An infusion with its vitals, post-reading and discharge: (pre-vitals version, infusion version)."""
    pre = api.record(journey_id, "VitalsRecorded", PRE)["recorded"][0]["version"]
    clock.advance(minutes=45)
    infusion = api.record(journey_id, "InfusionCompleted", VALID_DATA["InfusionCompleted"])["recorded"][0]["version"]
    clock.advance(minutes=40)
    api.record(journey_id, "VitalsRecorded", POST)
    api.record(journey_id, "DischargeAssessed", DISCHARGE)
    return pre, infusion


def alerts(api: Api, journey_id: str) -> list[dict[str, Any]]:
    return list(api.get(f"/journeys/{journey_id}").get_json()["alerts"])


def test_a_normal_reading_charted_late_does_not_lift_the_hold_of_a_later_high_one(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    api.record(journey_id, "VitalsRecorded", {**PRE, "systolic": 200, "diastolic": 120})
    clock.advance(minutes=30)
    api.record(journey_id, "VitalsRecorded", PRE, occurred_at=at(clock, hours=1, minutes=30))
    clock.advance(minutes=15)
    body = {"type": "InfusionCompleted", "data": VALID_DATA["InfusionCompleted"]}
    assert error_of(api.post(f"/journeys/{journey_id}/events", body), 422)["code"] == "blood_pressure_hold"


def test_correcting_an_infusions_pre_vitals_answers_with_the_retrospective_alert(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    pre, infusion = given(api, clock, journey_id)
    clock.advance(hours=2)
    body = api.record(journey_id, "EventEnteredInError", {"target_version": pre}, reason="Another patient's vitals")
    correction, raised = body["recorded"]
    assert raised["type"] == "SafetyAlertRaised" and raised["occurred_at"] == raised["recorded_at"]  # dated when recorded
    data = raised["data"]
    assert (data["kind"], data["source_version"], data["rule"], data["cause_version"]) == (
        "retrospective", infusion, "vitals_missing", correction["version"],
    )
    [shown] = alerts(api, journey_id)
    assert shown["kind"] == "retrospective" and not shown["acknowledged"]
    clock.advance(hours=48)
    api.record(journey_id, "VitalsRecorded", PRE)
    body = {"type": "InfusionCompleted", "data": VALID_DATA["InfusionCompleted"]}
    assert error_of(api.post(f"/journeys/{journey_id}/events", body), 422)["code"] == "open_safety_alert"
    acknowledge(api, journey_id, raised["version"], "low")
    clock.advance(minutes=45)  # the infusion ends 45 min later: it started after the alert was worked
    assert api.post(f"/journeys/{journey_id}/events", body).status_code == 201


def test_undoing_a_discharge_after_the_next_infusion_raises_a_retrospective_alert(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    given(api, clock, journey_id)
    discharge = api.get(f"/journeys/{journey_id}").get_json()["version"]
    clock.advance(hours=48)
    _, second = given(api, clock, journey_id)
    body = api.record(journey_id, "EventEnteredInError", {"target_version": discharge}, reason="Wrong patient")
    [raised] = [e for e in body["recorded"] if e["type"] == "SafetyAlertRaised"]
    assert (raised["data"]["source_version"], raised["data"]["rule"]) == (second, "discharge_pending")


def test_a_self_harm_alert_stays_open_when_its_phq9_is_entered_in_error(api: Api, clock: Clock) -> None:
    journey_id = ready(api, clock)
    recorded = api.record(journey_id, "AssessmentRecorded", SELF_HARM)["recorded"]
    api.record(journey_id, "EventEnteredInError", {"target_version": recorded[0]["version"]}, reason="Wrong form")
    [shown] = alerts(api, journey_id)
    assert shown["version"] == recorded[1]["version"] and not shown["acknowledged"] and shown["source_withdrawn"]
    assert "entered in error" in shown["reason"]
    api.record(journey_id, "VitalsRecorded", PRE)
    clock.advance(minutes=45)  # an infusion charted at its end: its vitals were taken before its start
    body = {"type": "InfusionCompleted", "data": VALID_DATA["InfusionCompleted"]}
    assert error_of(api.post(f"/journeys/{journey_id}/events", body), 422)["code"] == "open_safety_alert"
