"""Who sweeps: one active scheduler per store, the others stand by.

On PostgreSQL the active scheduler holds a session advisory lock on a connection of its own; if the
process dies (even by SIGKILL) the server drops the session and the lock with it, and a standby that
polls ``try_acquire`` takes over. On SQLite (one machine) an exclusive lock on a file next to the
database does the same. Exactly-once does not rest on this lock (the aggregate's keys guarantee it);
the lock only saves the standbys from doing the same work twice.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO, Any, Protocol

from careplan.adapters.settings import StoreSettings, _store_env

LEADER_LOCK_KEY = 7_340_002
LEADER_APPLICATION_NAME = "careplan-scheduler-"
"""The lock connection's ``application_name``, followed by the process id."""


class Leadership(Protocol):
    def try_acquire(self) -> bool: ...
    def still_held(self) -> bool: ...
    def release(self) -> None: ...


class PostgresLeadership:
    def __init__(self, store: StoreSettings, pool: Any = None) -> None:
        """With ``pool`` (the process's shared pool, ``careplan.adapters.pooling``) the lock's connection is one
        of the pool's, so the scheduler keeps within ``CAREPLAN_DB_POOL_SIZE + CAREPLAN_DB_MAX_OVERFLOW``."""
        self._env = _store_env(store.url)
        self._pool = pool
        self._conn: Any = None

    def try_acquire(self) -> bool:
        import psycopg

        if self._conn is not None:
            return self.still_held()
        if self._pool is not None:
            return self._try_pooled()
        conn = psycopg.connect(
            host=self._env["POSTGRES_HOST"],
            port=int(self._env["POSTGRES_PORT"]),
            user=self._env["POSTGRES_USER"],
            password=self._env["POSTGRES_PASSWORD"] or None,
            dbname=self._env["POSTGRES_DBNAME"],
            autocommit=True,
            connect_timeout=5,
            # pg_stat_activity then says which process leads: a DBA (and the process tests) can tell.
            application_name=f"{LEADER_APPLICATION_NAME}{os.getpid()}",
        )
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK_KEY,)).fetchone()
        if row and row[0]:
            self._conn = conn
            return True
        conn.close()
        return False

    def _try_pooled(self) -> bool:
        from psycopg.rows import tuple_row

        conn = self._pool.getconn()
        try:
            cursor = conn.cursor(row_factory=tuple_row)
            row = cursor.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK_KEY,)).fetchone()
            if not (row and row[0]):
                self._pool.putconn(conn)  # nothing taken, nothing renamed: the pool keeps it
                return False
            # pg_stat_activity then says which process leads: a DBA (and the process tests) can tell.
            cursor.execute("SELECT set_config('application_name', %s, false)", (f"{LEADER_APPLICATION_NAME}{os.getpid()}",))
        except BaseException:
            self._give_back(conn)
            raise
        self._conn = conn
        return True

    def _give_back(self, conn: Any) -> None:
        """Closed first: a session lock or a name must never pass to the pool's next borrower (the
        pool replaces a closed connection)."""
        try:
            conn.close()
        finally:
            self._pool.putconn(conn)

    def still_held(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.execute("SELECT 1")
            return True
        except Exception:
            self.release()
            return False

    def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            if self._pool is not None:
                self._give_back(conn)
            else:
                conn.close()


class FileLeadership:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def try_acquire(self) -> bool:
        if self._file is not None:
            return True
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def still_held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def leadership_for(store: StoreSettings, pool: Any = None) -> Leadership:
    if store.kind == "postgres":
        return PostgresLeadership(store, pool)
    path = _store_env(store.url)["SQLITE_DBNAME"]
    if path == ":memory:":
        path = f"/tmp/careplan-memory-{os.getpid()}"
    return FileLeadership(Path(f"{path}.scheduler.lock"))
