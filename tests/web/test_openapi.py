"""The OpenAPI document: served without a token, generated from the same schemas the API checks."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from careplan.domain.vocabulary import CLINICIAN_EVENTS

PATHS = {
    "/api/v1/journeys": {"get", "post"},
    "/api/v1/journeys/{journey_id}": {"get"},
    "/api/v1/journeys/{journey_id}/events": {"get", "post"},
    "/api/v1/event-types": {"get"},
    "/api/v1/worklists": {"get"},
}


def test_the_document_is_served_at_api_v1_openapi_json_without_a_token(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.")


def test_the_document_lists_every_path_and_method_of_the_contract(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, methods in PATHS.items():
        assert methods <= set(paths[path]), path


def test_the_document_lists_every_api_route_the_app_serves(app: Flask, client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint.startswith("api."):
            documented = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            assert documented in paths, rule.rule
            assert {m.lower() for m in rule.methods or ()} - {"head", "options"} <= set(paths[documented])


def test_the_document_declares_bearer_tokens_for_every_operation(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert doc["security"] == [{"bearerAuth": []}]


def test_the_request_bodies_are_the_interface_schemas_with_their_ranges(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    post = doc["paths"]["/api/v1/journeys/{journey_id}/events"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    submission = schemas[ref.rsplit("/", 1)[1]]
    assert set(submission["properties"]) >= {"type", "data", "occurred_at", "reason", "expected_version"}
    assert submission["properties"]["type"]["enum"] == list(CLINICIAN_EVENTS)
    for event_type in CLINICIAN_EVENTS:
        assert f"{event_type}Data" in schemas
    phq9 = schemas["AssessmentRecordedData"]["properties"]
    assert "total" in phq9


def test_the_document_describes_the_error_shape_and_the_journey_state(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    assert set(schemas["Error"]["properties"]) == {"code", "message", "errors", "current_version", "journey_id", "index", "report"}
    assert schemas["Error"]["properties"]["journey_id"]["format"] == "uuid"
    assert "journey_exists" in schemas["Error"]["properties"]["journey_id"]["description"]
    assert set(schemas["Error"]["required"]) == {"code", "message"}
    state = schemas["JourneyState"]["properties"]
    assert {"steps", "outcome", "alerts", "version", "as_of"} <= set(state)
    post = doc["paths"]["/api/v1/journeys/{journey_id}/events"]["post"]
    assert {"201", "404", "409", "422"} <= set(post["responses"])
