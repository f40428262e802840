"""The CLI's reads of patient data are in the access log, as the web's are (security finding 6):
``export``, ``export --fhir``, ``replay`` and ``report deviations`` leave an entry naming the operator
and the journey, written before any output; nothing is shown when the entry cannot be written."""

from __future__ import annotations

import sqlite3
from uuid import UUID, uuid4

import pytest

from careplan.audit.access_log import access_log_for
from careplan.domain.values import Actor
from careplan.entrypoints.bootstrap import build_app
from tests.cli.conftest import careplan
from tests.examples import VALID_DATA

CLINICIAN = Actor("dr-ng", "clinician")
PATIENT = "MRN-CLI-READS-7"
LOGIN = "ops-on-call"


@pytest.fixture
def env(store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", store_url)
    monkeypatch.setenv("LOGNAME", LOGIN)  # getpass.getuser() reads it first: the operator's login name
    return store_url


def journeys(count: int = 1) -> list[UUID]:
    app = build_app()
    try:
        made = []
        for n in range(count):
            one = app.open_journey(f"{PATIENT}-{n}", actor=CLINICIAN)
            app.record(one, "ConsultationCompleted", VALID_DATA["ConsultationCompleted"], actor=CLINICIAN)
            made.append(one)
        return made
    finally:
        app.close()


def entries() -> list[tuple[str | None, str, str, dict[str, str], int, str]]:
    app = build_app()
    try:
        found = access_log_for(app).search(limit=1000).entries
        return [(str(e.journey_id) if e.journey_id else None, e.action, e.user_id, e.asked, e.status, e.role) for e in reversed(found)]
    finally:
        app.close()


def test_an_export_of_one_journey_is_one_entry_naming_the_operator(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    (one,) = journeys()
    ran = careplan(capsys, "export", "--journey", str(one))
    assert ran.code == 0, ran.err
    assert entries() == [(str(one), "careplan export", f"cli:{LOGIN}", {}, 200, "admin")]


def test_an_export_of_the_store_is_one_entry_per_journey(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    made = journeys(3)
    assert careplan(capsys, "export").code == 0
    assert sorted(e[0] for e in entries()) == sorted(str(one) for one in made)
    assert {e[1] for e in entries()} == {"careplan export"}


def test_a_replay_is_an_entry_with_what_was_asked(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    (one,) = journeys()
    assert careplan(capsys, "replay", str(one), "--version", "1").code == 0
    assert careplan(capsys, "replay", str(one)).code == 0
    assert entries() == [
        (str(one), "careplan replay", f"cli:{LOGIN}", {"version": "1"}, 200, "admin"),
        (str(one), "careplan replay", f"cli:{LOGIN}", {}, 200, "admin"),
    ]


def test_a_fhir_export_is_an_entry(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    (one,) = journeys()
    ran = careplan(capsys, "export", "--fhir", str(one), "--version", "2")
    assert ran.code == 0, ran.err
    assert entries() == [(str(one), "careplan export --fhir", f"cli:{LOGIN}", {"version": "2"}, 200, "admin")]


def test_the_deviation_report_is_a_read_across_journeys(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    journeys()
    assert careplan(capsys, "report", "deviations", "--csv").code == 0
    assert entries() == [(None, "careplan report deviations", f"cli:{LOGIN}", {}, 200, "admin")]


def test_an_unknown_journey_asked_for_is_recorded_as_refused(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    journeys()
    missing = uuid4()
    for argv in (("replay", str(missing)), ("export", "--journey", str(missing)), ("export", "--fhir", str(missing))):
        ran = careplan(capsys, *argv)
        assert ran.code == 2 and ran.out == ""
    assert [(e[0], e[4]) for e in entries()] == [(str(missing), 404)] * 3


def test_the_entries_hold_no_patient_reference_and_keep_the_chain(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    (one,) = journeys()
    for argv in (("export",), ("replay", str(one)), ("export", "--fhir", str(one))):
        assert careplan(capsys, *argv).code == 0
    assert PATIENT not in repr(entries())
    ran = careplan(capsys, "verify")
    assert ran.code == 0, ran.out + ran.err
    assert "3 access-log entries" in ran.out


def test_nothing_is_shown_when_the_read_cannot_be_recorded(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "careplan.sqlite"
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", f"sqlite:///{path}")
    (one,) = journeys()
    entries()  # the log's table exists
    with sqlite3.connect(path) as conn:  # the log refuses every new entry, as a full disk or a lost grant would
        conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON access_log BEGIN SELECT RAISE(ABORT, 'refused'); END")
    for argv in (("export",), ("replay", str(one)), ("export", "--fhir", str(one))):
        ran = careplan(capsys, *argv)
        assert (ran.code, ran.out) == (2, "")
        assert ran.err.count("\n") == 1 and "access log" in ran.err
