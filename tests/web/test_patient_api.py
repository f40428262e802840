"""``GET`` and ``PUT /api/v1/journeys/{id}/patient`` (DESIGN 7.3), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from careplan.audit.access_log import access_log_for
from tests.conftest import Clock
from tests.web.conftest import People, make_web_app
from tests.web.test_booking_api import call, ny_env

DETAILS = {
    "name": "Wilhelmina Quarrington",
    "birth_date": "1981-04-30",
    "allergies": ["Penicillin"],
    "phone": "+1 212 555 0142",
    "email": "w.q@example.org",
}


@pytest.fixture
def web(store_url: str, tmp_path: Path, clock: Clock) -> Any:
    flask_app = make_web_app(tmp_path, clock, CAREPLAN_ENV=ny_env(store_url, tmp_path))
    yield flask_app.test_client(), People(flask_app)
    instance = flask_app.extensions.get("careplan")
    if instance is not None:
        instance.close()


def opened(web: Any) -> str:
    answer = call(web, "post", "/journeys", json={"patient_ref": "MRN-Q-1"})
    assert answer.status_code == 201, answer.get_json()
    return str(answer.get_json()["id"])


@pytest.mark.parametrize("writer", ["clinician", "coordinator"])
def test_a_clinician_or_coordinator_records_details_and_every_role_reads_them(web: Any, writer: str) -> None:
    jid = opened(web)
    empty = call(web, "get", f"/journeys/{jid}/patient", "auditor")
    assert empty.status_code == 200
    assert empty.get_json() == {"name": None, "birth_date": None, "allergies": [], "phone": None, "email": None}

    put = call(web, "put", f"/journeys/{jid}/patient", writer, json=DETAILS)
    assert put.status_code == 200, put.get_json()
    for reader in ("clinician", "coordinator", "auditor", "admin"):
        got = call(web, "get", f"/journeys/{jid}/patient", reader)
        assert got.status_code == 200 and got.get_json() == DETAILS


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_other_roles_may_not_record_details(web: Any, role: str) -> None:
    jid = opened(web)
    put = call(web, "put", f"/journeys/{jid}/patient", role, json=DETAILS)
    assert put.status_code == 403 and put.get_json()["code"] == "forbidden"
    assert call(web, "get", f"/journeys/{jid}/patient", "clinician").get_json()["name"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("birth_date", "2099-01-01"), ("birth_date", "not a date"), ("email", "nobody"), ("allergies", "x"), ("name", 5)],
)
def test_bad_details_are_a_422_naming_the_field_and_nothing_is_recorded(web: Any, field: str, value: Any) -> None:
    jid = opened(web)
    put = call(web, "put", f"/journeys/{jid}/patient", "clinician", json={**DETAILS, field: value})
    assert put.status_code == 422, put.get_json()
    assert field in put.get_json()["errors"]
    assert "Quarrington" not in put.get_data(as_text=True)
    assert call(web, "get", f"/journeys/{jid}/patient", "clinician").get_json()["name"] is None


def test_an_unknown_journey_is_404_and_a_malformed_body_400(web: Any) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    assert call(web, "get", f"/journeys/{missing}/patient", "clinician").status_code == 404
    assert call(web, "put", f"/journeys/{missing}/patient", "clinician", json=DETAILS).status_code == 404
    jid = opened(web)
    bad = call(web, "put", f"/journeys/{jid}/patient", "clinician", data="{", content_type="application/json")
    assert bad.status_code == 400


def test_a_read_is_in_the_access_log_without_the_details(web: Any) -> None:
    jid = opened(web)
    call(web, "put", f"/journeys/{jid}/patient", "clinician", json=DETAILS)
    call(web, "get", f"/journeys/{jid}/patient", "auditor")
    client, _ = web
    with client.application.app_context():
        from web.services import careplan

        entries = access_log_for(careplan()).search(limit=500).entries
    reads = [e for e in entries if e.action == "GET /api/v1/journeys/{journey_id}/patient"]
    assert reads and str(reads[-1].journey_id) == jid and reads[-1].role == "auditor"
    assert all("Quarrington" not in repr(e) and "1981" not in repr(e) for e in entries)
