"""Keys the server keeps for itself: one per purpose (sealing sessions, naming sign-in failures,
the pre-sign-in CSRF token), none of them ever shown or stored beside what it protects.

With ``CAREPLAN_CIPHER_KEY`` set (production mode always has it) each key is derived from it, as
HMAC-SHA256(cipher key, "careplan server key\\n" + purpose): every process of the installation has
the same keys without sharing anything new, and the database's own role, which has no cipher key, has
none of them. Rotating the cipher key changes them too: sessions end (everyone signs in again) and
sign-in failures counted before are forgotten.

Without a cipher key (demo mode) there is nothing secret to derive from, so each key is made at random
once and kept in the ``server_secrets`` table: that keeps failure keys from being recovered by
someone who sees only the failure table, but not from someone who reads the whole database, who in
demo mode reads everything anyway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from typing import TYPE_CHECKING

from careplan.adapters.side_tables import SideTables

if TYPE_CHECKING:  # the application builds these with its services (careplan.services)
    from careplan.application import CarePlan

TABLE = "server_secrets"
DDL = (f"CREATE TABLE IF NOT EXISTS {TABLE} (purpose TEXT PRIMARY KEY, secret TEXT NOT NULL)",)
GRANTS = {TABLE: "SELECT, INSERT"}
"""What the application's role may do here (``careplan db setup``): make a secret once and read it."""

SESSIONS = "sessions"
SIGN_IN_FAILURES = "sign-in failures"
CSRF = "csrf"


def derive(cipher_key: str, purpose: str) -> bytes:
    """The key for ``purpose`` derived from a cipher key (base64, as ``CAREPLAN_CIPHER_KEY``)."""
    raw = base64.b64decode(cipher_key.encode("ascii"))
    return hmac.new(raw, b"careplan server key\n" + purpose.encode(), hashlib.sha256).digest()


class ServerKeys:
    """The keys of one application's installation, each derived (or read) once; built with the
    application's other services (``careplan.services``)."""

    def __init__(self, app: CarePlan) -> None:
        self._app = app
        self._made: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, purpose: str) -> bytes:
        """This installation's 32-byte key for ``purpose``; the same in every process."""
        with self._lock:
            if purpose not in self._made:
                cipher_key = self._app.store.cipher_key
                self._made[purpose] = derive(cipher_key, purpose) if cipher_key else _kept(self._app, purpose)
            return self._made[purpose]


def server_key(app: CarePlan, purpose: str) -> bytes:
    """This installation's 32-byte key for ``purpose``, from the keys built with the application."""
    return app.services.keys.get(purpose)


def _kept(app: CarePlan, purpose: str) -> bytes:
    """The random secret for ``purpose`` in the store, made by the first process that asks."""
    tables = SideTables(app)
    tables.create(DDL)
    fresh = secrets.token_urlsafe(32)
    with tables.cursor(commit=True) as run:
        run(f"INSERT INTO {TABLE} (purpose, secret) VALUES (?, ?) ON CONFLICT (purpose) DO NOTHING", (purpose, fresh))
        stored = run(f"SELECT secret FROM {TABLE} WHERE purpose = ?", (purpose,))[0][0]
    return hashlib.sha256(str(stored).encode()).digest()

