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

from careplan.adapters.settings import StoreSettings
from careplan.adapters.side_tables import SideTables
from careplan.application import CarePlan
from careplan.audit import anchor
from careplan.audit.access_chain import link
from careplan.audit.access_log import Access, access_log_for
from careplan.audit.verify import verify_store
from careplan.entrypoints.cli.main import main
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
            for table in ("access_log", "access_log_chain"):
                conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            conn.execute(statement)
        return
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE access_log DISABLE TRIGGER USER")
        conn.execute("ALTER TABLE access_log_chain DISABLE TRIGGER USER")
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


def test_a_log_whose_hashes_were_all_removed_is_caught(
    app: CarePlan, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before the chain's start was recorded, a log with no hash at all read as one from before the chain."""
    log_reads(app)
    as_owner(app, "UPDATE access_log SET hash = NULL, prev_hash = NULL")
    (found,) = verify_store(app).breaks
    assert (found.kind, found.version, found.problem) == ("access_log", 1, "unchained")
    assert "chained from entry 1" in found.detail
    monkeypatch.setenv("CAREPLAN_DATABASE_URL", app.store.url)
    capsys.readouterr()
    assert main(["verify"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("access log entry 1: unchained: ") and "and the access log has one" in err


def test_the_newest_hashes_removed_are_caught(app: CarePlan) -> None:
    log_reads(app)
    as_owner(app, "UPDATE access_log SET hash = NULL, prev_hash = NULL WHERE id >= 3")
    (found,) = verify_store(app).breaks
    assert (found.version, found.problem) == (3, "unchained")


def test_an_emptied_record_of_the_chain_start_is_caught(app: CarePlan) -> None:
    log_reads(app)
    as_owner(app, "DELETE FROM access_log_chain")
    (found,) = verify_store(app).breaks
    assert (found.kind, found.problem) == ("access_log", "chain_start_missing")
    assert str(found).startswith("access log: chain_start_missing: ")


def test_the_chain_start_record_is_append_only(app: CarePlan) -> None:
    access_log_for(app)
    table = SideTables(app)
    for statement in ("UPDATE access_log_chain SET unchained_through = 99", "DELETE FROM access_log_chain"):
        with pytest.raises(Exception, match="append-only"):
            with table.cursor(commit=True) as run:
                run(statement, ())
    with table.cursor(commit=False) as run:
        assert run("SELECT unchained_through FROM access_log_chain", ()) == [(0,)]


def test_a_moved_chain_start_with_removed_hashes_is_caught_by_saved_heads(app: CarePlan, tmp_path: Path) -> None:
    """Whoever may rewrite the record can also recompute every hash: the saved heads catch both."""
    log_reads(app)
    heads = tmp_path / "heads.json"
    anchor.save(verify_store(app), heads)
    as_owner(app, "UPDATE access_log SET hash = NULL, prev_hash = NULL")
    as_owner(app, "UPDATE access_log_chain SET unchained_through = 1000")
    report = verify_store(app)
    assert report.ok
    (found,) = anchor.compare(report, anchor.load(heads))
    assert (found.kind, found.version) == ("access_log", ENTRIES)


OLD_LOG = (
    "CREATE TABLE access_log (id {key}, at_ts REAL NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, "
    "journey_id TEXT, action TEXT NOT NULL, asked TEXT NOT NULL, status INTEGER NOT NULL)"
)


def test_a_log_from_before_the_chain_keeps_its_old_entries_and_chains_the_new(store_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    old = "INSERT INTO access_log (at_ts, user_id, role, action, asked, status) VALUES (1, 'u', 'clinician', 'worklists', '{}', 200)"
    if store_url.startswith("sqlite"):
        with sqlite3.connect(store_url[len("sqlite:///") :]) as conn:
            conn.execute(OLD_LOG.format(key="INTEGER PRIMARY KEY AUTOINCREMENT"))
            for _ in range(3):
                conn.execute(old)
    else:
        with psycopg.connect(store_url, autocommit=True) as conn:
            conn.execute(OLD_LOG.format(key="BIGSERIAL PRIMARY KEY").replace("REAL", "DOUBLE PRECISION"))
            for _ in range(3):
                conn.execute(old)
    app = make_app(store_url)
    log_reads(app, 2)
    report = verify_store(app)
    assert report.ok, report.breaks
    assert report.access_log is not None and (report.access_log.unchained, report.access_log.entries) == (3, 5)
    as_owner(app, "UPDATE access_log SET hash = NULL, prev_hash = NULL")
    (found,) = verify_store(app).breaks
    assert (found.version, found.problem) == (4, "unchained")
    assert "chained from entry 4" in found.detail


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
