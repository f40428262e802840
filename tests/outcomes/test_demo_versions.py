"""The demo's cohort over protocol versions: with version 1 alone it is the cohort it always was; with a
second version known, part of the cohort opens on it and fares as the version's mix says, so the
outcomes report shows the difference (and says the courses are synthetic)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from random import Random

from careplan.adapters.settings import StoreSettings
from careplan.application import CarePlan
from careplan.demo.cohort import STAGES, generate, stage_order
from careplan.demo.versions import VersionMix, stage_plan
from careplan.domain.protocol import ProtocolRegistry
from events.protocol_file import default_protocols
from events.read.outcomes.reading import report
from tests.conftest import Clock

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=timezone.utc)


def old_stage_order(patients: int, seed: int) -> list[int]:
    """The draw before versions were mixed (kept here to prove it unchanged)."""
    rng = Random(f"careplan-demo-stages-{seed}")
    first = list(range(len(STAGES)))
    rng.shuffle(first)
    rest = rng.choices(range(len(STAGES)), weights=[w for _, _, w in STAGES], k=max(0, patients - len(first)))
    return (first + rest)[:patients]


def test_one_version_draws_the_cohort_it_always_drew() -> None:
    assert stage_order(300, 7) == old_stage_order(300, 7)
    stages = [(name, w) for name, _, w in STAGES]
    assert [s for s, _ in stage_plan(stages, 300, 7, (VersionMix(1, 1.0),))] == old_stage_order(300, 7)


def test_two_versions_share_the_cohort_by_their_shares() -> None:
    stages = [(name, w) for name, _, w in STAGES]
    plan = stage_plan(stages, 1000, 7, (VersionMix(1, 0.25), VersionMix(2, 0.75)))
    assert all(v == 1 for _, v in plan[: len(STAGES)])  # one of each stage first, on the lowest version
    on_2 = sum(1 for _, v in plan if v == 2)
    assert 700 <= on_2 <= 800


def test_the_report_shows_the_versions_differ_and_are_synthetic(tmp_path: Path) -> None:
    packaged = default_protocols()
    v1 = packaged.get("ketamine-trd", 1)
    registry = ProtocolRegistry([v1, replace(v1, version=2)])  # the rules of v1 under a second number
    app = CarePlan(StoreSettings(url=f"sqlite:///{tmp_path / 'demo.sqlite'}"), registry, clock=Clock(NOW))
    try:
        generate(app, 240, seed=7, now=NOW)
        versions = report(app)["versions"]
    finally:
        app.close()
    assert [v["version"] for v in versions] == [1, 2]
    first, second = versions
    assert first["synthetic_courses"] == first["courses_opened"] and second["synthetic_courses"] == second["courses_opened"]
    assert second["maintenance"]["courses"] > first["maintenance"]["courses"]
    assert second["response"]["pct"] > first["response"]["pct"]
