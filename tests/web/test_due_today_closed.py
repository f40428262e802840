""""Due today" is the clinic's local day, and says so on a day the clinic is closed (DESIGN 7.2): a
New York clinic open Monday to Friday, on Sunday 8 March 2026 (the clocks go forward at 02:00)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest

from careplan.domain.clinic import WEEKDAYS, Hours, clinic
from tests.conftest import Clock
from tests.web.conftest import People, make_web_app

WEEKDAYS_ONLY = clinic("America/New_York", {d: Hours(time(9), time(17)) for d in WEEKDAYS[:5]}, 4)


@pytest.fixture
def site(tmp_path: Path, clock: Clock) -> Any:
    clock.now = datetime(2026, 3, 8, 15, 0, tzinfo=UTC)  # Sunday 11:00 EDT
    env = {
        "CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'careplan.sqlite'}",
        "CAREPLAN_INSTANCE": str(tmp_path / "instance"),
        "CAREPLAN_TIMEZONE": "America/New_York",
        "CAREPLAN_MODE": "demo",
    }
    app = make_web_app(tmp_path, clock, CAREPLAN_ENV=env, CAREPLAN_CLINIC=WEEKDAYS_ONLY)
    people = People(app)
    client = app.test_client()
    yield app, client, people
    app.extensions["careplan"].close()


def opened(client: Any, people: People, ref: str, when: str) -> str:
    answer = client.post("/api/v1/journeys", json={"patient_ref": ref, "occurred_at": when}, headers=people.headers("coordinator"))
    assert answer.status_code == 201, answer.get_json()
    return str(answer.get_json()["id"])


def test_on_a_closed_sunday_due_today_holds_only_what_falls_due_that_local_day_and_says_it_is_closed(
    site: Any, clock: Clock
) -> None:
    _, client, people = site
    tonight = opened(client, people, "MRN-SUN-EVE", "2026-03-01T23:00:00Z")  # consultation due Sun 19:00 EDT
    long_ago = opened(client, people, "MRN-SUN-OLD", "2026-02-01T15:00:00Z")  # due 34 days ago: overdue
    monday = opened(client, people, "MRN-SUN-MON", "2026-03-02T05:00:00Z")  # due Mon 01:00 EDT: tomorrow
    listed = client.get("/api/v1/worklists?name=due_today", headers=people.headers("coordinator")).get_json()
    ids = {item["id"] for item in listed["worklists"]["due_today"]["items"]}
    assert ids == {tonight}
    assert long_ago not in ids and monday not in ids
    people.login(client, "coordinator")
    page = client.get("/dashboard?list=due_today").get_data(as_text=True)
    assert "The clinic is closed today (Sunday 08 March)" in page
    clock.now = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # Monday 10:00 EDT: open
    people.login(client, "coordinator")
    page = client.get("/dashboard?list=due_today").get_data(as_text=True)
    assert "What falls due today, Monday 09 March, on the clinic's clock (America/New_York)" in page
