"""The coordinator's dashboard: worklists with their reasons, filters by step and status, pages, and a
search by patient reference that never puts the reference in a URL."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask

from careplan.domain.values import Actor
from tests.browser.scenes import consultation_overdue
from tests.web.conftest import People
from tests.web.pages import careplan, signed_in, token

COORDINATOR = Actor("c", "coordinator")


def test_an_overdue_journey_is_on_the_overdue_worklist_with_its_reason(app: Flask, people: People) -> None:
    plan = careplan(app)
    late = consultation_overdue(plan, "MRN-LATE")
    plan.open_journey("MRN-FRESH", actor=COORDINATOR)
    client = signed_in(app, people, "coordinator")
    page = client.get("/dashboard?list=overdue").get_data(as_text=True)
    assert f"/journeys/{late}" in page and "MRN-LATE" in page and "MRN-FRESH" not in page
    assert "consultation overdue since 2026-02-25" in page
    by_step = client.get("/dashboard?list=overdue&step=induction").get_data(as_text=True)
    assert "MRN-LATE" not in by_step and "Nothing on this list for induction" in by_step
    everyone = client.get("/dashboard?list=all").get_data(as_text=True)
    assert "MRN-LATE" in everyone and "MRN-FRESH" in everyone


def test_the_journey_list_pages_through_many_journeys(app: Flask, people: People) -> None:
    plan = careplan(app)
    for number in range(30):
        plan.open_journey(f"MRN-P{number:03d}", actor=COORDINATOR, occurred_at=plan.clock() - timedelta(minutes=number))
    client = signed_in(app, people, "coordinator")
    first = client.get("/dashboard?list=all").get_data(as_text=True)
    second = client.get("/dashboard?list=all&page=2").get_data(as_text=True)
    assert "1–25 of 30" in first and 'rel="next"' in first
    assert "26–30 of 30" in second and 'rel="prev"' in second and 'rel="next"' not in second
    assert second.count('class="patient-link"') == 5
    assert "MRN-P000" in first and "MRN-P029" in second


def test_a_filter_or_worklist_that_does_not_exist_is_a_404(app: Flask, people: People) -> None:
    client = signed_in(app, people, "coordinator")
    assert client.get("/dashboard?list=everything").status_code == 404
    assert client.get("/dashboard?list=all&step=surgery").status_code == 404


def test_search_by_patient_reference_is_a_post_that_answers_in_place(app: Flask, people: People) -> None:
    plan = careplan(app)
    wanted = plan.open_journey("MRN-FIND-ME", actor=COORDINATOR)
    plan.open_journey("MRN-OTHER", actor=COORDINATOR)
    client = signed_in(app, people, "clinician")
    response = client.post("/dashboard/search", data={"q": "MRN-FIND-ME", "csrf_token": token(client)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Location" not in response.headers
    assert f"/journeys/{wanted}" in page and "MRN-OTHER" not in page
    assert client.get("/dashboard?q=MRN-FIND-ME").get_data(as_text=True).count("MRN-FIND-ME") == 0
    nothing = client.post("/dashboard/search", data={"q": "MRN-NOBODY", "csrf_token": token(client)})
    assert "No journey matches" in nothing.get_data(as_text=True)


def test_the_tiles_count_each_worklist(app: Flask, people: People) -> None:
    plan = careplan(app)
    consultation_overdue(plan, "MRN-LATE-A")
    consultation_overdue(plan, "MRN-LATE-B")
    page = signed_in(app, people, "coordinator").get("/dashboard").get_data(as_text=True)
    assert '<span class="tile-count">2</span>\n    <span class="tile-label">Overdue</span>' in page


def test_search_results_page_by_post_and_never_put_the_term_in_a_url(app: Flask, people: People) -> None:
    plan = careplan(app)
    for number in range(57):
        plan.open_journey(f"MRN-SRCH-{number:03d}", actor=COORDINATOR, occurred_at=plan.clock() - timedelta(minutes=number))
    plan.open_journey("MRN-ELSEWHERE", actor=COORDINATOR)
    client = signed_in(app, people, "coordinator")
    first = client.post("/dashboard/search", data={"q": "SRCH", "csrf_token": token(client)}).get_data(as_text=True)
    assert "1–50 of 57" in first and first.count('class="patient-link"') == 50
    assert 'name="offset" value="50"' in first and "MRN-ELSEWHERE" not in first
    second = client.post("/dashboard/search", data={"q": "SRCH", "offset": "50", "csrf_token": token(client)})
    text = second.get_data(as_text=True)
    assert "51–57 of 57" in text and text.count('class="patient-link"') == 7 and 'value="0"' in text
    shown = {ref for page in (first, text) for ref in re.findall(r"MRN-SRCH-\d{3}", page)}
    assert len(shown) == 57  # every match on one of the two pages, none twice
    odd = client.post("/dashboard/search", data={"q": "SRCH", "offset": "9" * 5000, "csrf_token": token(client)})
    assert odd.status_code == 200 and "1–50 of 57" in odd.get_data(as_text=True)
