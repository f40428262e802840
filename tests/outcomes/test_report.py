"""The outcomes report over a cohort whose every figure is known by hand (``tests.outcomes.cohort``),
on SQLite and PostgreSQL: now, as known before a course was opened, and before and after a correction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from careplan.adapters.settings import StoreSettings
from careplan.application import CarePlan
from events.protocol_file import default_protocols
from events.read.outcomes.figures import FIGURES, csv_rows
from events.read.outcomes.reading import report
from events.read.outcomes.report import STOP_CAUSES
from events.read.outcomes.view import OutcomesView
from events.read.runtime import read_store_for
from tests.outcomes.cohort import PROTOCOL, Cohort, protocol_dir


@pytest.fixture
def cohort(store_url: str, clock: Any, tmp_path: Path) -> Any:
    app = CarePlan(StoreSettings(url=store_url), default_protocols(protocol_dir(tmp_path)), clock=clock)
    try:
        yield Cohort(app, clock).build()
    finally:
        app.close()


def share(n: int, of: int, pct: float | None) -> dict[str, Any]:
    return {"n": n, "of": of, "pct": pct}


def stops(administrations: int, **found: int) -> dict[str, Any]:
    return {c: {"n": found.get(c, 0), "per_100": round(100 * found.get(c, 0) / administrations, 1)} for c in STOP_CAUSES}


def retention(*rows: tuple[int, int]) -> list[dict[str, int]]:
    return [{"infusions": k, "courses": n, "at_least": at_least} for k, (n, at_least) in enumerate(rows)]


VERSION_1_NOW = {
    "protocol": PROTOCOL, "version": 1, "synthetic_courses": 0,
    "courses_opened": 4,
    "induction_started": share(3, 4, 75.0),
    "induction_completed": share(2, 3, 66.7),
    "stopped_after_first_infusion": share(1, 3, 33.3),
    "reached_response_check": 2,
    "response": share(1, 2, 50.0),  # A (20 -> 8); B's check is 9 since the correction (16 -> 9: 44 %)
    "remission": share(0, 2, 0.0),
    "median_phq9_change": -9.5,  # A -12, B -7
    "median_days_consultation_to_first_infusion": 2.0,  # 48 h 20 min
    "administrations": 13,
    "stops": stops(13),
    "vitals_alerts": {"n": 0, "per_100": 0.0},
    "deviations": {"n": 1, "per_100": 7.7},
    "maintenance": {"courses": 2, "relapsed": share(1, 2, 50.0)},  # A's 12; B's 9 is under 10
    "infusions_completed": retention((0, 3), (1, 3), (0, 2), (0, 2), (0, 2), (0, 2), (2, 2)),
    "median_phq9_by_week": [
        {"week": 0, "median": 18.0, "courses": 3},
        {"week": 2, "median": 8.5, "courses": 2},
        {"week": 4, "median": 10.5, "courses": 2},
    ],
}
VERSION_2_NOW = {
    "protocol": PROTOCOL, "version": 2, "synthetic_courses": 0,
    "courses_opened": 1,
    "induction_started": share(1, 1, 100.0),
    "induction_completed": share(0, 1, 0.0),
    "stopped_after_first_infusion": share(0, 1, 0.0),  # a second was begun (and stopped)
    "reached_response_check": 0,
    "response": share(0, 0, None),
    "remission": share(0, 0, None),
    "median_phq9_change": None,
    "median_days_consultation_to_first_infusion": 2.0,
    "administrations": 2,
    "stops": stops(2, hypertension=1),
    "vitals_alerts": {"n": 1, "per_100": 50.0},
    "deviations": {"n": 0, "per_100": 0.0},
    "maintenance": {"courses": 0, "relapsed": share(0, 0, None)},
    "infusions_completed": retention((0, 1), (1, 1), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)),
    "median_phq9_by_week": [{"week": 0, "median": 22.0, "courses": 1}],
}


def test_every_figure_of_each_protocol_version(cohort: Cohort) -> None:
    document = report(cohort.app)
    assert document["as_of"] is None
    assert document["literature"]["response_pct"] == 70.8 and "Murrough" in document["literature"]["source"]
    assert document["versions"] == [VERSION_1_NOW, VERSION_2_NOW]


def test_as_known_before_the_correction_the_withdrawn_phq9_still_counts(cohort: Cohort) -> None:
    before = report(cohort.app, as_of=cohort.marks["before_correction"])["versions"][0]
    assert before["response"] == share(2, 2, 100.0) and before["remission"] == share(1, 2, 50.0)
    assert before["median_phq9_change"] == -12.0
    assert before["median_phq9_by_week"][1] == {"week": 2, "median": 6.0, "courses": 2}
    after = report(cohort.app, as_of=cohort.marks["after_correction"])["versions"][0]
    assert after == VERSION_1_NOW


def test_a_course_opened_after_the_day_asked_is_not_counted(cohort: Cohort) -> None:
    document = report(cohort.app, as_of=cohort.marks["before_d"])
    v1, = document["versions"]  # E (version 2) was opened later too
    assert v1["courses_opened"] == 3 and v1["induction_started"] == share(3, 3, 100.0)
    assert document["as_of"] == cohort.marks["before_d"].isoformat()


def test_filters_by_protocol_and_version(cohort: Cohort) -> None:
    assert report(cohort.app, version=2)["versions"] == [VERSION_2_NOW]
    assert report(cohort.app, protocol="ketamine-trd")["versions"] == []


def test_rebuilt_view_gives_the_same_report(cohort: Cohort) -> None:
    view = OutcomesView(cohort.app, read_store_for(cohort.app))
    assert view.rebuild() > 0
    assert report(cohort.app)["versions"] == [VERSION_1_NOW, VERSION_2_NOW]


def test_the_tables_read_the_same_document(cohort: Cohort) -> None:
    document = report(cohort.app)
    rows = csv_rows(document)
    assert len(rows) == 3 and all(len(row) == len(rows[0]) for row in rows)
    v1 = dict(zip(rows[0], rows[1]))
    assert (v1["response"], v1["response_pct"], v1["stops_hypertension"], v1["deviations_per_100"]) == ("1", "50.0", "0", "7.7")
    cells = {label: cell(document["versions"][1]) for _, label, cell in FIGURES}
    assert cells["Response at the response check"] == "0/0"
    assert cells["Stops: hypertension (per 100 administrations)"] == "1 (50)"
