"""The outcomes report on the web: ``GET /api/v1/reports/outcomes`` gives the same document as the
CLI, and ``/reports/outcomes`` draws it (figures, two SVG charts with a title and a description, the
literature line); bad input is a 400 on the page and a 422 with field messages on the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from careplan.audit.access_log import access_log_for
from tests.conftest import Clock
from tests.outcomes.cohort import Cohort, protocol_dir
from tests.outcomes.test_report import VERSION_1_NOW, VERSION_2_NOW
from tests.web.conftest import People, make_web_app


@pytest.fixture
def site(tmp_path: Path, clock: Clock) -> Iterator[Any]:
    folder = tmp_path / "protocols"
    folder.mkdir()
    env = {
        "CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'careplan.sqlite'}",
        "CAREPLAN_INSTANCE": str(tmp_path / "instance"),
        "CAREPLAN_PROTOCOLS_DIR": str(protocol_dir(folder)),
        "CAREPLAN_MODE": "demo",
    }
    app = make_web_app(tmp_path, clock, CAREPLAN_ENV=env)
    people = People(app)
    client = app.test_client()
    client.get("/login")  # builds the application
    cohort = Cohort(app.extensions["careplan"], clock).build()
    people.login(client, "clinician")  # after the cohort's weeks: a session signed in before would have expired
    yield client, people, cohort
    app.extensions["careplan"].close()


def test_the_api_gives_the_report_by_version(site: Any) -> None:
    client, people, cohort = site
    answer = client.get("/api/v1/reports/outcomes", headers=people.headers("auditor"))
    assert answer.status_code == 200, answer.json
    assert answer.json["versions"] == [VERSION_1_NOW, VERSION_2_NOW]
    before = cohort.marks["before_correction"].isoformat()
    past = client.get("/api/v1/reports/outcomes", query_string={"as_of": before, "version": 1}, headers=people.headers("auditor"))
    assert past.status_code == 200 and past.json["as_of"] == before
    assert [v["response"]["pct"] for v in past.json["versions"]] == [100.0]
    entries = access_log_for(cohort.app).search(limit=100).entries
    assert any(e.action == "GET /api/v1/reports/outcomes" and e.asked.get("as_of") for e in entries)


def test_the_api_refuses_bad_queries_with_field_messages(site: Any) -> None:
    client, people, _ = site
    headers = people.headers("clinician")
    naive = client.get("/api/v1/reports/outcomes?as_of=2026-03-01T10:00:00", headers=headers)
    assert naive.status_code == 422 and "as_of" in str(naive.json)
    zero = client.get("/api/v1/reports/outcomes?version=0", headers=headers)
    assert zero.status_code == 422 and "version" in str(zero.json)
    assert client.get("/api/v1/reports/outcomes").status_code == 401


def test_the_page_draws_the_figures_and_both_charts(site: Any) -> None:
    client, _, _ = site
    page = client.get("/reports/outcomes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "outcomes-test v1" in html and "outcomes-test v2" in html
    assert "Murrough et al. 2013" in html and "70.8 %" in html
    assert html.count('<svg class="chart"') == 2 and 'role="img"' in html
    assert '<title id="retention-t">' in html and '<desc id="phq9-d">' in html
    assert "week 0 18 (3 courses)" in html  # the description says the numbers in words
    assert "Synthetic data" not in html  # written by the tests, not the demo
    assert "MRN-OUT" not in html
    assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_the_page_refuses_bad_input_with_a_400(site: Any) -> None:
    client, _, _ = site
    assert client.get("/reports/outcomes?as_of=yesterday").status_code == 400
    assert client.get("/reports/outcomes?version=two").status_code == 400
    assert client.get("/reports/outcomes?protocol=%3Cx%3E").status_code == 400
    assert client.get("/reports/outcomes?as_of=2000-01-01").status_code == 200  # before every course: none


def test_the_api_gives_the_transaction_bundles_of_a_journey(site: Any) -> None:
    client, people, cohort = site
    headers = people.headers("clinician")
    journey = next(iter(cohort.app.journey_ids()))
    answer = client.get(f"/api/v1/journeys/{journey}/fhir?bundle=transaction", headers=headers)
    assert answer.status_code == 200
    bundles = answer.json
    assert isinstance(bundles, list) and {b["type"] for b in bundles} == {"transaction"}
    assert bundles[0]["entry"][0]["request"]["url"] == "Patient?identifier=urn:careplan:patient-ref|MRN-OUT-A"
    collection = client.get(f"/api/v1/journeys/{journey}/fhir", headers=headers)
    assert collection.status_code == 200 and collection.json["type"] == "collection"
    bad = client.get(f"/api/v1/journeys/{journey}/fhir?bundle=batch", headers=headers)
    assert bad.status_code == 422 and "bundle" in str(bad.json)
