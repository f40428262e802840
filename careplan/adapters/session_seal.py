"""A session row's ``data`` sealed to its place: AES-GCM with the row's id hash and user as associated
data, and the session's times inside the sealed part.

So someone who may write the session table (the application's own database role, a stolen backup
restored) but has no key cannot make a session: sealed data copied into a row of an id they chose, or
under another user, does not open; times pushed ahead in the columns change nothing, because the
idle and lifetime checks read the sealed times; and sealed times cannot be edited. The key is the
server's ``sessions`` key (``careplan.adapters.server_keys``).
"""

from __future__ import annotations

import base64
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "s1."
"""Marks the sealed format; rows written before it (no prefix) do not open, so their sessions end."""
_TIMES = struct.Struct(">dd")
_NONCE = 12


@dataclass(frozen=True)
class Opened:
    created: float
    seen: float
    data: bytes


class SessionSeal:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, id_hash: str, user_id: str, created: float, seen: float, data: bytes) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, _TIMES.pack(created, seen) + data, _place(id_hash, user_id))
        return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, id_hash: str, user_id: str | None, stored: str) -> Opened | None:
        """The sealed session, or None when it was sealed for another row or user, edited, or old."""
        if not stored.startswith(PREFIX) or user_id is None:
            return None
        try:
            raw = base64.b64decode(stored[len(PREFIX) :], validate=True)
            plain = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], _place(id_hash, user_id))
        except (ValueError, InvalidTag):
            return None
        if len(plain) < _TIMES.size:
            return None
        created, seen = _TIMES.unpack_from(plain)
        return Opened(created, seen, plain[_TIMES.size :])


def _place(id_hash: str, user_id: str) -> bytes:
    return f"careplan session\n{id_hash}\n{user_id}".encode()
