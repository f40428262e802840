"""The "Book the series" page (DESIGN 7.2): proposals on the clinic's clock, booked in one click, all or
none; a chair taken meanwhile brings the page back with nothing booked. New York clinic, 4 chairs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from careplan.domain.values import Actor
from tests.conftest import Clock
from tests.web.conftest import People, csrf, make_web_app

CLINICIAN = Actor("dr-series", "clinician")
CONSULT = {"eligible": True, "prior_antidepressant_trials": 3, "psychotherapy_tried": True}


@pytest.fixture
def site(tmp_path: Path, clock: Clock) -> Any:
    clock.now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 09:00 EST
    env = {
        "CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'careplan.sqlite'}",
        "CAREPLAN_INSTANCE": str(tmp_path / "instance"),
        "CAREPLAN_TIMEZONE": "America/New_York",
        "CAREPLAN_MODE": "demo",
    }
    app = make_web_app(tmp_path, clock, CAREPLAN_ENV=env)
    people = People(app)
    client = app.test_client()
    people.login(client, "coordinator")
    client.get("/dashboard")
    yield app, client, app.extensions["careplan"]
    app.extensions["careplan"].close()


def consulted(plan: Any, ref: str) -> Any:
    jid = plan.open_journey(ref, actor=CLINICIAN)
    plan.record(jid, "ConsultationCompleted", CONSULT, actor=CLINICIAN)
    return jid


def picks(page: str) -> list[str]:
    return re.findall(r'name="pick" value="([^"]+)"', page)


def test_the_timeline_offers_book_the_series_and_the_page_proposes_six_local_starts(site: Any) -> None:
    _, client, plan = site
    jid = consulted(plan, "MRN-SERIES-1")
    timeline = client.get(f"/journeys/{jid}").get_data(as_text=True)
    assert f'href="/journeys/{jid}/series"' in timeline and "Book the series" in timeline
    page = client.get(f"/journeys/{jid}/series").get_data(as_text=True)
    proposed = picks(page)
    assert len(proposed) == 6
    starts = [datetime.fromisoformat(p.split("|")[0]) for p in proposed]
    assert all(b - a >= timedelta(hours=48) for a, b in zip(starts, starts[1:]))
    assert "EST</span> · chair" in page and "+00:00" not in page.split("<form method=\"post\"")[0]


def test_booking_the_ticked_proposals_records_them_in_one_save(site: Any) -> None:
    _, client, plan = site
    jid = consulted(plan, "MRN-SERIES-2")
    page = client.get(f"/journeys/{jid}/series?count=3").get_data(as_text=True)
    proposed = picks(page)
    assert len(proposed) == 3
    version = re.search(r'name="expected_version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": csrf(client), "phase": "induction", "expected_version": version, "pick": proposed[:2]}
    answer = client.post(f"/journeys/{jid}/series", data=form)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    booked = [f for f in plan.history(jid) if f.type == "InfusionScheduled"]
    assert len(booked) == 2
    assert len({f.recorded_at for f in booked}) == 1, "one save"


def test_a_chair_taken_meanwhile_books_nothing_and_proposes_afresh(site: Any) -> None:
    _, client, plan = site
    jid = consulted(plan, "MRN-SERIES-3")
    page = client.get(f"/journeys/{jid}/series?count=2").get_data(as_text=True)
    proposed = picks(page)
    start, chair = proposed[1].split("|")
    other = consulted(plan, "MRN-SERIES-OTHER")
    plan.record(other, "InfusionScheduled", {"phase": "induction", "scheduled_for": start, "chair": int(chair)},
                actor=CLINICIAN)
    version = re.search(r'name="expected_version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    answer = client.post(
        f"/journeys/{jid}/series",
        data={"csrf_token": csrf(client), "phase": "induction", "expected_version": version, "pick": proposed},
    )
    assert answer.status_code == 409
    text = answer.get_data(as_text=True)
    assert "Nothing was booked" in text and "booked by someone else meanwhile" in text
    assert not [f for f in plan.history(jid) if f.type == "InfusionScheduled"]
    assert proposed[1] not in picks(text)


@pytest.mark.parametrize(("query", "status"), [("count=0", 400), ("count=x", 400), ("count=13", 400)])
def test_a_bad_count_is_a_400_page(site: Any, query: str, status: int) -> None:
    _, client, plan = site
    jid = consulted(plan, "MRN-SERIES-4")
    assert client.get(f"/journeys/{jid}/series?{query}").status_code == status


def test_an_auditor_may_not_book(site: Any) -> None:
    app, _, plan = site
    jid = consulted(plan, "MRN-SERIES-5")
    auditor = app.test_client()
    People(app).login(auditor, "auditor")
    assert auditor.get(f"/journeys/{jid}/series").status_code == 403
