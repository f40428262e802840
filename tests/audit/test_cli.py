"""``careplan verify`` and ``careplan export --fhir`` as an auditor runs them: exit codes, one line per
finding, and nothing that names a patient."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fhir.resources.R4B.bundle import Bundle

from careplan.application import CarePlan
from careplan.entrypoints.cli.main import main
from tests.audit.histories import PATIENT_REF, full_journey, short_history
from tests.audit.tamper import Tamperer


@pytest.fixture
def store(make_app: Any, sqlite_url: str, clock: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[CarePlan, UUID, UUID]:
    """A store of two journeys that the command line reads through CAREPLAN_DATABASE_URL."""
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("CAREPLAN_CIPHER_KEY", raising=False)
    app = make_app(sqlite_url, clock)
    return app, full_journey(app, clock), short_history(app, clock, patient_ref="MRN-0002")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as refused:  # argparse's own refusals (a malformed argument)
        code = int(refused.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_exits_0_when_every_link_holds(store: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify")
    assert code == 0 and out.strip() == "verified 2 journeys and 0 accounts, 49 events, 0 access-log entries: every link holds"


def test_verify_exits_1_and_prints_the_first_broken_link(store: Any, capsys: pytest.CaptureFixture[str]) -> None:
    app, first, _ = store
    Tamperer(app).edit_json(first, 12, lambda state: state.update(reason="backdated"))
    code, out, err = run(capsys, "verify")
    assert code == 1
    assert out.startswith(f"journey {first} version 12: hash_mismatch:") and out.count("\n") == 1
    assert err.strip() == "1 of 2 journeys and 0 accounts have a broken link (49 events, 0 access-log entries read)"
    assert PATIENT_REF not in out + err


def test_verify_of_one_journey_checks_only_that_one(store: Any, capsys: pytest.CaptureFixture[str]) -> None:
    app, first, second = store
    Tamperer(app).delete(first, 3)
    assert run(capsys, "verify", "--journey", str(second))[0] == 0
    assert run(capsys, "verify", "--journey", str(first))[0] == 1


def test_saved_heads_catch_the_deletion_of_the_newest_event(store: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    app, first, second = store
    heads = tmp_path / "heads.json"
    assert run(capsys, "verify", "--save-heads", str(heads))[0] == 0
    assert json.loads(heads.read_text())[str(second)]["version"] == 6
    Tamperer(app).delete(second, 6)
    assert run(capsys, "verify")[0] == 0, "a chain alone cannot see its newest event go"
    code, out, _ = run(capsys, "verify", "--heads", str(heads))
    assert code == 1 and out.startswith(f"journey {second} version 6: missing_event: the anchor recorded 6 events")


def test_verify_refuses_bad_usage_with_exit_2(store: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "junk.json").write_text("[1, 2]")
    for argv in (["verify", "--journey", "not-a-uuid"], ["verify", "--heads", str(tmp_path / "junk.json")], ["verify", "--heads", str(tmp_path / "none.json")]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and err.count("\n") == 1, argv


def test_export_fhir_writes_a_bundle_that_validates(store: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    app, first, _ = store
    code, out, _ = run(capsys, "export", "--fhir", str(first))
    assert code == 0
    bundle = json.loads(out)
    assert Bundle.model_validate(bundle).type == "collection"
    assert len([e for e in bundle["entry"] if e["resource"]["resourceType"] == "Provenance"]) == app.get(first).version
    target = tmp_path / "bundle.json"
    assert run(capsys, "export", "--fhir", str(first), "--version", "3", "--output", str(target))[0] == 0
    assert len([e for e in json.loads(target.read_text())["entry"] if e["resource"]["resourceType"] == "Provenance"]) == 3


def test_export_fhir_refuses_bad_usage_in_one_line(store: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _, first, _ = store
    for argv in (
        ["export", "--fhir", "00000000-0000-4000-8000-000000000000"],
        ["export", "--fhir", str(first), "--version", "999"],
        ["export", "--version", "2"],
        ["export", "--fhir", str(first), "--journey", str(first)],
        ["export", "--fhir", str(first), "--version", "2", "--as-of", "2026-03-02T10:00"],
    ):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert err.count("\n") == 1 and PATIENT_REF not in err
