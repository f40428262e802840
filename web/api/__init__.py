"""The JSON API (docs/contract.md section 4), built with flask-smorest: the request and response schemas are
the marshmallow schemas of ``events.schemas``, and the OpenAPI document at ``/api/v1/openapi.json`` is
generated from the same classes, so the document cannot drift from what the API checks.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from events.schemas import DATA_SCHEMAS
from web import errors
from web.api.schemas import ErrorSchema

SETTINGS: dict[str, Any] = {
    "API_TITLE": "careplan",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": errors.API_PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
}


class CarePlanApi(Api):
    """Errors in the API's one shape (see :mod:`web.errors`), also for webargs' 400 and 422."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        return errors.http_error(error)


def init_api(app: Flask) -> CarePlanApi:
    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    api = CarePlanApi(
        app,
        spec_kwargs={
            "info": {"description": "Event-sourced care plans for IV ketamine treatment of TRD."},
            "security": [{"bearerAuth": []}],
        },
    )
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for event_type, schema in DATA_SCHEMAS.items():
        api.spec.components.schema(f"{event_type}Data", schema=schema)
    from web.api import (  # noqa: F401  (the routes)
        bookings,
        events,
        fhir,
        journeys,
        migrations,
        patient,
        protocols,
        questionnaires,
        reports,
        slots,
        worklists,
    )
    from web.api.blueprint import blp

    api.register_blueprint(blp)
    # The pagination header is a JSON string; flask-smorest documents it as an object, which no client
    # can receive in a header (schemathesis checks responses against this document).
    api.spec.components.headers["PAGINATION"] = {
        "description": "Pagination metadata as JSON: total, total_pages, first_page, last_page, page, previous_page, next_page.",
        "schema": {"type": "string"},
    }
    return api
