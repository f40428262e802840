"""Configuration from the environment (12-factor), turned into the event store's settings.

One variable chooses the store, ``CAREPLAN_DATABASE_URL``; another, ``CAREPLAN_CIPHER_KEY``, turns on
encryption at rest. Everything else the library needs is derived here, so no caller has to know the
library's own variable names.
"""

from __future__ import annotations

import binascii
import os
from base64 import b64decode
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

DEFAULT_INSTANCE = Path("instance")


class ConfigError(ValueError):
    """A setting is malformed; the message names the variable and never echoes a secret."""


class StoreUnreadable(ConfigError):
    """The stored events cannot be decrypted with the configured key (or were written with none)."""

    def __init__(self) -> None:
        super().__init__(
            "The stored events cannot be read: CAREPLAN_CIPHER_KEY must be the key they were written "
            "with (and unset if they were written without one)."
        )


CIPHER_KEY_SIZES = (16, 24, 32)


@dataclass(frozen=True, repr=False)
class StoreSettings:
    url: str
    cipher_key: str | None = None
    snapshot_interval: int = 50
    create_tables: bool | None = True
    """Whether this process creates missing tables at start. False when ``careplan db setup`` made the
    schema and the role connected may not create anything; None: decide by asking the database
    (``careplan.adapters.schema.may_create``), which ``build_app`` does before opening the store."""
    pool: PoolSettings = field(default_factory=lambda: PoolSettings())
    """How many PostgreSQL connections this process may hold and how long it waits (``careplan.adapters.pooling``)."""

    def __repr__(self) -> str:
        """Without the URL's password or the key: settings end up in logs and tracebacks."""
        encrypted = "encrypted" if self.cipher_key else "not encrypted"
        return f"StoreSettings({self.describe()}, {encrypted}, snapshot_interval={self.snapshot_interval})"

    @property
    def kind(self) -> str:
        return "postgres" if self.url.startswith(("postgresql://", "postgres://")) else "sqlite"

    def library_env(self) -> dict[str, str]:
        """The eventsourcing library's environment for this store."""
        env = _store_env(self.url)
        env["CREATE_TABLE"] = "no" if self.create_tables is False else "yes"
        if self.kind == "sqlite":
            _private_file(_sqlite_path(self.url))
        if self.kind == "postgres":
            env.update(self.pool.library_env())
        if self.cipher_key:
            _check_cipher_key(self.cipher_key)
            # AES-GCM as the library's AESCipher, and rows sealed with their place (careplan.adapters.sealing).
            env["CIPHER_TOPIC"] = "careplan.adapters.sealing:PlaceCipher"
            env["CIPHER_KEY"] = self.cipher_key
        return env

    def describe(self) -> str:
        """Where the store is, without credentials: fit for a log line or a banner."""
        parsed = urlparse(self.url)
        if self.kind == "sqlite":
            return f"SQLite at {_sqlite_path(self.url)}"
        return f"PostgreSQL at {parsed.hostname}:{parsed.port or 5432}/{parsed.path.lstrip('/')}"


def default_database_url(instance: Path = DEFAULT_INSTANCE) -> str:
    return f"sqlite:///{instance / 'careplan.sqlite'}"


def store_settings(environ: Mapping[str, str] | None = None) -> StoreSettings:
    env = os.environ if environ is None else environ
    url = env.get("CAREPLAN_DATABASE_URL") or default_database_url(Path(env.get("CAREPLAN_INSTANCE", "instance")))
    _store_env(url)  # validates
    key = env.get("CAREPLAN_CIPHER_KEY") or None
    if key:
        _check_cipher_key(key)
    interval = env.get("CAREPLAN_SNAPSHOT_INTERVAL", "50")
    if not (interval.isascii() and interval.isdigit() and len(interval) <= 18) or int(interval) < 1:
        raise ConfigError("CAREPLAN_SNAPSHOT_INTERVAL must be a whole number of events, 1 or more.")
    return StoreSettings(
        url=url, cipher_key=key, snapshot_interval=int(interval), create_tables=_create_tables(env), pool=pool_settings(env)
    )


CREATE_TABLES_VALUES = {"1": True, "yes": True, "true": True, "0": False, "no": False, "false": False, "auto": None}


def _create_tables(env: Mapping[str, str]) -> bool | None:
    """``CAREPLAN_CREATE_TABLES``: yes, no, or auto (the default: create only if the role may)."""
    value = (env.get("CAREPLAN_CREATE_TABLES") or "auto").strip().lower()
    if value not in CREATE_TABLES_VALUES:
        raise ConfigError("CAREPLAN_CREATE_TABLES must be yes, no or auto.")
    return CREATE_TABLES_VALUES[value]


def _check_cipher_key(key: str) -> None:
    """A wrong key would otherwise fail deep in the library, with a message that names no setting."""
    try:
        size = len(b64decode(key.encode("ascii"), validate=True))
    except (binascii.Error, UnicodeEncodeError):
        size = -1
    if size not in CIPHER_KEY_SIZES:
        raise ConfigError(
            "CAREPLAN_CIPHER_KEY must be 16, 24 or 32 random bytes in base64; make one with: python -c "
            '"from eventsourcing.cryptography import AESCipher; print(AESCipher.create_key(32))"'
        )


def _private_file(path: str) -> None:
    """Makes the SQLite file, readable and writable by its owner only (0600), before SQLite would make
    it by the umask (often 0644: every local account could read the records); SQLite gives its -wal
    and -shm files the database file's permissions. An existing file is left as it is."""
    if path and path != ":memory:":
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass


def _sqlite_path(url: str) -> str:
    return url[len("sqlite:///") :]


def _store_env(url: str) -> dict[str, str]:
    if url.startswith("sqlite:///"):
        path = _sqlite_path(url)
        if not path:
            raise ConfigError("CAREPLAN_DATABASE_URL: a sqlite URL needs a path, as in sqlite:///instance/careplan.sqlite")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path, "SQLITE_LOCK_TIMEOUT": "10"}
    if url.startswith(("postgresql://", "postgres://")):
        parsed = urlparse(url)
        dbname = parsed.path.lstrip("/")
        if not parsed.hostname or not dbname:
            raise ConfigError("CAREPLAN_DATABASE_URL: a postgresql URL is postgresql://USER[:PASSWORD]@HOST:PORT/DBNAME")
        try:
            port = parsed.port or 5432
        except ValueError as error:
            raise ConfigError("CAREPLAN_DATABASE_URL: the port is not a number") from error
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": parsed.hostname,
            "POSTGRES_PORT": str(port),
            "POSTGRES_USER": unquote(parsed.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parsed.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": str(STORE_TIMEOUT_SECONDS),
        }
    raise ConfigError("CAREPLAN_DATABASE_URL must start with sqlite:/// or postgresql://")


# -- connections: the pool every store of a process shares (careplan.adapters.pooling) ---------------------

STORE_TIMEOUT_SECONDS = 3
"""Seconds to connect, to wait for a pooled connection, and for sent data to be acknowledged: a store
that does not answer is a 503 ``store_unavailable`` within 5 s, never a hang."""


@dataclass(frozen=True)
class PoolSettings:
    """``CAREPLAN_DB_POOL_SIZE`` connections kept open, up to ``CAREPLAN_DB_MAX_OVERFLOW`` more under
    load: a process never holds more than their sum, whatever it runs (web worker or scheduler)."""

    size: int = 5
    max_overflow: int = 10
    statement_timeout: int = 60
    """``CAREPLAN_DB_STATEMENT_TIMEOUT`` seconds before the server cancels a statement (0: never)."""

    @property
    def budget(self) -> int:
        return self.size + self.max_overflow

    def library_env(self) -> dict[str, str]:
        return {
            "POSTGRES_POOL_SIZE": str(self.size),
            "POSTGRES_MAX_OVERFLOW": str(self.max_overflow),
            "POSTGRES_STATEMENT_TIMEOUT": str(self.statement_timeout),
            "PERSISTENCE_MODULE": "careplan.adapters.pooling:SharedPoolFactory",
        }


def pool_settings(env: Mapping[str, str]) -> PoolSettings:
    return PoolSettings(
        size=_count(env, "CAREPLAN_DB_POOL_SIZE", 5, low=1),
        max_overflow=_count(env, "CAREPLAN_DB_MAX_OVERFLOW", 10, low=0),
        statement_timeout=_count(env, "CAREPLAN_DB_STATEMENT_TIMEOUT", 60, low=0),
    )


def _count(env: Mapping[str, str], name: str, default: int, low: int, high: int = 1000) -> int:
    text = (env.get(name) or str(default)).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 18) or not low <= int(text) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}.")
    return int(text)
