"""A FHIR server engine imports a demo journey's transaction Bundles twice, and the second import
changes no resource count (DESIGN 7.8: "importing twice changes nothing").

The engine is Medplum's (``@medplum/fhir-router``: its FHIR router over its in-memory repository), run
by Node from ``tests/fhir_server/import.mjs``. The package is installed from the npm registry into
``tests/fhir_server/node_modules`` on first use (``.ci/run`` installs it ahead). Without Node or the
registry the test is skipped, unless ``CAREPLAN_REQUIRE_NODE=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from careplan.adapters.settings import StoreSettings
from careplan.application import CarePlan
from careplan.demo import generate
from events.fhir import transaction
from events.protocol_file import default_protocols
from tests.conftest import Clock

SERVER = Path(__file__).resolve().parents[1] / "fhir_server"
ENGINE = SERVER / "node_modules" / "@medplum" / "fhir-router"
NOW = datetime(2026, 3, 2, 15, 30, tzinfo=timezone.utc)


def _unavailable(why: str) -> None:
    if os.environ.get("CAREPLAN_REQUIRE_NODE", "") not in ("", "0", "false", "no"):
        pytest.fail(f"the FHIR import test is required (CAREPLAN_REQUIRE_NODE) but {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        _unavailable("node is not installed (Debian: apt-get install nodejs npm)")
    if not ENGINE.exists():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is not installed")
        ran = subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=SERVER, capture_output=True, text=True, timeout=600)
        if ran.returncode != 0 or not ENGINE.exists():
            _unavailable(f"npm could not install @medplum/fhir-router: {ran.stderr.strip()[-300:]}")
    return str(found)


def imports(node: str, bundles: list[dict[str, Any]], folder: Path, times: int = 2) -> list[dict[str, Any]]:
    path = folder / "bundles.ndjson"
    path.write_text("".join(json.dumps(b) + "\n" for b in bundles))
    ran = subprocess.run([node, "import.mjs", str(path), str(times)], cwd=SERVER, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr[-2000:]
    return [json.loads(line) for line in ran.stdout.splitlines()]


def test_importing_a_journey_twice_changes_no_resource_count(node: str, tmp_path: Path) -> None:
    app = CarePlan(StoreSettings(url=f"sqlite:///{tmp_path / 'demo.sqlite'}"), default_protocols(), clock=Clock(NOW))
    try:
        generate(app, 30, seed=3, now=NOW)
        journey = max(app.journey_ids(), key=lambda j: app.get(j).version)
        bundles = transaction(app, journey)
    finally:
        app.close()
    assert len(bundles) > 2  # the Patient's Bundle, then more than one of fifty
    sent = Counter(e["resource"]["resourceType"] for b in bundles for e in b["entry"])
    first, second = imports(node, bundles, tmp_path)
    assert first["failures"] == [] and second["failures"] == []
    assert first["counts"] == dict(sent)  # every resource landed, the Patient once
    assert second["counts"] == first["counts"]
    # The engine keeps a version per write (a server that skips unchanged writes keeps one): the
    # second import updated each resource in place, it created none.
    assert second["versions"] == {kind: 2 * n for kind, n in first["counts"].items()}
