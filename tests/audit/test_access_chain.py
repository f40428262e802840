"""The access log's hash chain: whoever can switch the triggers off (the table's owner, anyone who can
write the SQLite file) and then edits or deletes entries is caught by ``verify``, or by ``verify
--heads`` when the newest entries go; appenders in several processes never chain onto one entry."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest

from careplan.application import CarePlan
from careplan.audit import anchor
from careplan.audit.access_chain import link
from careplan.audit.access_log import Access, access_log_for
from careplan.audit.verify import verify_store
from careplan.cli.main import main
from careplan.settings import StoreSettings
from events.protocol_file import default_protocols

ENTRIES = 5


def log_reads(app: CarePlan, count: int = ENTRIES, who: str = "clinician") -> None:
    log = access_log_for(app)
    for n in range(count):
        log.record(Access(datetime(2026, 3, 2, 9, n, tzinfo=timezone.utc), who, "clinician", None, "worklists", {"page": str(n)}))


def as_owner(app: CarePlan, statement: str) -> None:
    """Runs ``statement`` with the append-only triggers switched off, as the table's owner can."""
    url = app.store.url
    if app.store.kind == "sqlite":
        with sqlite3.connect(url[len("sqlite:///") :]) as conn:
            conn.execute("DROP TRIGGER IF EXISTS access_log_no_update")
            conn.execute("DROP TRIGGER IF EXISTS access_log_no_delete")
            conn.execute(statement)
        return
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE access_log DISABLE TRIGGER USER")
        conn.execute(statement)


def test_an_untouched_log_verifies(app: CarePlan) -> None:
    log_reads(app)
    report = verify_store(app)
    assert report.ok and report.access_log is not None
    assert report.access_log.entries == ENTRIES and report.access_log.head_id == ENTRIES


def test_an_edited_entry_is_caught(app: CarePlan) -> None:
    log_reads(app)
    as_owner(app, "UPDATE access_log SET user_id = 'someone-else' WHERE id = 3")
    (found,) = verify_store(app).breaks
    assert (found.kind, found.version, found.problem) == ("access_log", 3, "hash_mismatch")
    assert str(found).startswith("access log entry 3: hash_mismatch: ")


def test_an_edit_with_its_hash_recomputed_is_caught_at_the_next_entry(app: CarePlan) -> None:
    log_reads(app)
    log = access_log_for(app)
    entry = next(e for e in log.chain() if e.id == 2)
    forged = (entry.content[0], "someone-else", *entry.content[2:])
    as_owner(app, f"UPDATE access_log SET user_id = 'someone-else', hash = '{link(forged, str(entry.prev_hash))}' WHERE id = 2")
    (found,) = verify_store(app).breaks
    assert (found.version, found.problem) == (3, "missing_entry")


def test_a_deleted_middle_entry_is_caught(app: CarePlan) -> None:
    log_reads(app)
    as_owner(app, "DELETE FROM access_log WHERE id = 3")
    (found,) = verify_store(app).breaks
    assert (found.kind, found.version, found.problem) == ("access_log", 4, "missing_entry")


def test_deleted_newest_entries_are_caught_with_saved_heads(app: CarePlan, tmp_path: Path) -> None:
    log_reads(app)
    heads = tmp_path / "heads.json"
    anchor.save(verify_store(app), heads)
    as_owner(app, "DELETE FROM access_log WHERE id >= 4")
    report = verify_store(app)
    assert report.ok, "a chain alone cannot see its newest entries go: that is what the heads are for"
    (found,) = anchor.compare(report, anchor.load(heads))
    assert (found.kind, found.version, found.problem) == ("access_log", ENTRIES, "missing_entry")


def test_a_rewritten_head_entry_is_caught_with_saved_heads(app: CarePlan, tmp_path: Path) -> None:
    log_reads(app)
    heads = tmp_path / "heads.json"
    anchor.save(verify_store(app), heads)
    as_owner(app, f"DELETE FROM access_log WHERE id = {ENTRIES}")
    log_reads(app, 1, who="auditor")  # a new newest entry, chained correctly, under the old head's id or after
    as_owner(app, f"UPDATE access_log SET id = {ENTRIES} WHERE id = (SELECT MAX(id) FROM access_log)")
    report = verify_store(app)
    assert report.ok
    (found,) = anchor.compare(report, anchor.load(heads))
    assert (found.version, found.problem) == (ENTRIES, "head_mismatch")


def test_the_cli_saves_the_log_head_and_reports_deleted_entries(
    app: CarePlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", app.store.url)
    log_reads(app)
    heads = tmp_path / "heads.json"
    assert main(["verify", "--save-heads", str(heads)]) == 0
    assert f"{ENTRIES} access-log entries: every link holds" in capsys.readouterr().out
    as_owner(app, "DELETE FROM access_log WHERE id = 5")
    assert main(["verify"]) == 0
    capsys.readouterr()
    assert main(["verify", "--heads", str(heads)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"access log entry {ENTRIES}: missing_entry: ")
    assert "and the access log has one" in err


def _append(url: str, who: str, count: int) -> None:
    app = CarePlan(StoreSettings(url=url), default_protocols())
    try:
        log_reads(app, count, who)
    finally:
        app.close()


def test_appenders_in_several_processes_keep_one_chain(app: CarePlan) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append, args=(app.store.url, f"writer-{n}", 25)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    report = verify_store(app)
    assert report.ok, report.breaks
    assert report.access_log is not None and report.access_log.entries == 100
