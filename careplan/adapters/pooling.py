"""One PostgreSQL connection pool per process and database, whoever opens the store.

The library gives every application, every projection runner's follower and every tracking recorder a
pool of its own (``pool_size`` connections at once, up to ``pool_size + max_overflow``). A scheduler
held three (its application, the runner's follower, the runner's tracking table), a web worker whose
first build failed during an outage kept an orphan pool that reconnected when the server came back:
one deployment held 55 of the server's 100 connections. Here the library's factory (chosen by
``PERSISTENCE_MODULE``, its own extension point, in ``StoreSettings.library_env``) hands every store
of this process the same datastore, so a process holds at most ``CAREPLAN_DB_POOL_SIZE +
CAREPLAN_DB_MAX_OVERFLOW`` connections, which ``careplan.adapters.settings.PoolSettings`` documents.

The shared pool is also where an outage is kept short and quiet: a connection is checked before it is
lent after a second idle (a server restart leaves stale ones), waiting for one ends after 3 s (the
web answers 503 ``store_unavailable`` rather than hanging), a statement ends after the configured
statement timeout, and background reconnection gives up quickly so that the next request tries at once
when the server is back rather than after an ever longer back-off.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from eventsourcing.postgres import (
    ConnectionPool,
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
    PostgresProcessRecorder,
    PostgresTrackingRecorder,
)
from eventsourcing.utils import Environment

STATEMENT_TIMEOUT_KEY = "POSTGRES_STATEMENT_TIMEOUT"
"""Ours, in the library environment that ``StoreSettings.library_env`` makes (seconds, 0: none)."""
RECONNECT_SECONDS = 5.0
"""How long the pool's background workers retry a connection before leaving it to the next request."""
IDLE_BEFORE_CHECK = 1.0
"""Seconds a pooled connection may rest before it is checked again when lent."""

_Key = tuple[Any, ...]
_shared: dict[_Key, list[Any]] = {}  # key -> [datastore, number of factories using it]
_lock = threading.Lock()


def _forget_in_child() -> None:
    """A forked child (a gunicorn worker forked after its master opened a store) opens its own pool:
    its parent's sockets and a lock a parent thread may have held at the fork are not its own."""
    global _lock
    _lock = threading.Lock()
    _shared.clear()


os.register_at_fork(after_in_child=_forget_in_child)


def answering_once(recorder: type[Any]) -> type[Any]:
    """``recorder`` without the library's retries: each of its reads and writes tries ten times on a
    connection error, 0.2 s apart, so with the pool's wait a request in an outage took 32 s to fail.
    One pool wait (``STORE_TIMEOUT_SECONDS``) is the limit here; stale connections, which the retries
    were for, are checked before the pool lends them."""
    methods: dict[str, Any] = {name: getattr(recorder, name, None) for name in dir(recorder)}
    undone = {name: method.__wrapped__ for name, method in methods.items() if _retrying(method)}
    return type(recorder.__name__, (recorder,), undone)


def _retrying(method: Any) -> bool:
    """Whether ``method`` is wrapped by ``eventsourcing.utils.retry`` (functools.wraps keeps the original)."""
    return hasattr(method, "__wrapped__") and getattr(getattr(method, "__code__", None), "co_name", "") == "retry_decorator"


class SharedPoolFactory(PostgresFactory):
    """The library's PostgreSQL factory, on this process's one pool for the same database and settings,
    with recorders that answer at once rather than retrying through an outage."""

    aggregate_recorder_class = answering_once(PostgresAggregateRecorder)
    application_recorder_class = answering_once(PostgresApplicationRecorder)
    tracking_recorder_class = answering_once(PostgresTrackingRecorder)
    process_recorder_class = answering_once(PostgresProcessRecorder)

    def __init__(self, env: Environment | Any) -> None:
        super().__init__(env)
        own = self.datastore
        self.datastore = _acquire(own, _statement_timeout(self.env))
        if self.datastore is not own:
            own.close()  # never opened: it holds no connection

    def close(self) -> None:
        datastore, self.datastore = self.datastore, None  # type: ignore[assignment]
        if datastore is not None:
            _release(datastore)


def shared_datastore(pool_key: _Key) -> PostgresDatastore | None:
    """This process's datastore for ``pool_key`` (see ``key_of``), if a store has opened it."""
    with _lock:
        entry = _shared.get((os.getpid(), *pool_key))
        return entry[0] if entry else None


def key_of(datastore: PostgresDatastore) -> _Key:
    """What makes two datastores interchangeable: where they connect, as whom, and how."""
    pool = datastore.pool
    kwargs = pool.kwargs if isinstance(pool.kwargs, dict) else {}
    where = tuple(str(kwargs.get(name)) for name in ("host", "port", "dbname", "user", "password"))
    return (*where, pool.min_size, pool.max_size, datastore.schema, datastore.lock_timeout, datastore.pre_ping)


def _acquire(own: PostgresDatastore, statement_timeout: int) -> PostgresDatastore:
    key = (os.getpid(), *key_of(own))  # a forked child never shares its parent's sockets
    with _lock:
        entry = _shared.get(key)
        if entry is None:
            _tune(own, statement_timeout)
            entry = _shared[key] = [own, 0]
        entry[1] += 1
        return entry[0]


def _release(datastore: PostgresDatastore) -> None:
    with _lock:
        for key, entry in list(_shared.items()):
            if entry[0] is datastore:
                entry[1] -= 1
                if entry[1] > 0:
                    return
                del _shared[key]
                break
    datastore.close()


def _tune(datastore: PostgresDatastore, statement_timeout: int) -> None:
    """Time limits on every connection of the pool, set before it opens."""
    pool = datastore.pool
    timeout = max(1, round(pool.timeout))
    options = f"-c statement_timeout={statement_timeout * 1000}" if statement_timeout else ""
    assert isinstance(pool.kwargs, dict)
    pool.kwargs.update(
        connect_timeout=timeout,
        # a server that vanishes without closing its sockets: what was sent and never acknowledged
        # fails the connection after the same time, instead of after the kernel's quarter of an hour
        tcp_user_timeout=timeout * 1000,
        keepalives=1,
        keepalives_idle=30,
        keepalives_interval=5,
        keepalives_count=3,
        application_name=f"careplan-{os.getpid()}",
    )
    if options:
        pool.kwargs["options"] = options
    pool.reconnect_timeout = RECONNECT_SECONDS
    pool.name = "careplan"
    # Checked before lending only after a spell idle: a server restart leaves the idle connections
    # stale (each would fail its request), while a check on every loan cost a third of a journey's
    # load (measured: 8.2 -> 11.7 ms). The pool's constructor takes both callbacks; the library's
    # datastore passes neither, so they are set here, before the pool opens.
    pool._check = _check_if_idle
    pool._reset = _mark_idle


def _mark_idle(conn: Any) -> None:
    conn._careplan_idle_since = time.monotonic()


def _check_if_idle(conn: Any) -> None:
    if time.monotonic() - getattr(conn, "_careplan_idle_since", 0.0) >= IDLE_BEFORE_CHECK:
        ConnectionPool.check_connection(conn)


def _statement_timeout(env: Environment) -> int:
    value = env.get(STATEMENT_TIMEOUT_KEY) or "0"
    return int(value) if (value.isascii() and value.isdigit() and len(value) <= 18) else 0
