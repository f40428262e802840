"""Where the access log's hash chain starts, recorded once when the chain begins.

Logs from before the chain hold a leading run of entries without a hash, which ``verify`` cannot
cover and must accept. Without a record of where that run ends, an owner who set every hash to
NULL made the whole log look like such a run, and ``verify`` passed it. So the id of the last
entry written before the chain (0 for a log chained from its first entry) is kept in a table of its
own, written in the transaction that creates the table, append-only like the log (triggers; the
application's role may only read it). ``verify`` then names every entry after it that has no hash,
and an emptied record. Someone who can switch the triggers off can also rewrite this row (as they
can recompute every hash): saved heads (``verify --heads``) are what catch them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from careplan.adapters.side_tables import Run

TABLE = "access_log_chain"
LOG = "access_log"

SQLITE_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (unchained_through INTEGER NOT NULL, recorded_at REAL NOT NULL)",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END""",
)
POSTGRES_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (unchained_through BIGINT NOT NULL, recorded_at DOUBLE PRECISION NOT NULL)",
    f"""CREATE OR REPLACE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {LOG}_append_only()""",
    f"""CREATE OR REPLACE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION {LOG}_append_only()""",
)
"""After the log's DDL, whose ``access_log_append_only`` function the triggers share."""
GRANTS = {TABLE: "SELECT"}
"""The application's role reads where the chain starts; only the schema's owner ever writes it."""


def exists(run: Run, postgres: bool, table: str) -> bool:
    probe = "SELECT to_regclass(?)" if postgres else "SELECT (SELECT name FROM sqlite_master WHERE name = ?)"
    return run(probe, (table,))[0][0] is not None


def record(run: Run, log_existed: bool) -> None:
    """Writes where the chain starts, in the transaction that creates this table: 0 for a new log;
    for a log from before this record, the end of its leading run without hashes (what ``verify``
    accepted until now), never later."""
    through = 0
    if log_existed:
        first = run(f"SELECT MIN(id) FROM {LOG} WHERE hash IS NOT NULL", ())[0][0]
        newest = run(f"SELECT MAX(id) FROM {LOG}", ())[0][0]
        through = int(first) - 1 if first is not None else int(newest or 0)
    run(f"INSERT INTO {TABLE} (unchained_through, recorded_at) VALUES (?, ?)", (through, datetime.now(UTC).timestamp()))


def read(run: Run) -> int | None:
    """The id of the last entry written before the chain; None when the record is gone. Of several
    rows the lowest counts: an added row can only make the check stricter."""
    row = run(f"SELECT MIN(unchained_through) FROM {TABLE}", ())
    return None if not row or row[0][0] is None else int(row[0][0])
