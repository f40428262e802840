"""Rows sealed to their place: AES-GCM with the row's aggregate id, version and topic as associated data.

The library's ``AESCipher`` authenticates a row's bytes but not where they are stored, so a role
that may only INSERT could copy a sealed row to another account or journey (another admin's
``PasswordSet``, a clinician's ``TokenIssued``, a note from another patient) and it would open there.
Sealed with its place, a row opens only at the (aggregate, version, topic) it was written for.

A sealed row starts with ``SEALED`` (one byte), then the nonce, the tag and the ciphertext, as the
library lays them out. Rows written before (by ``AESCipher``) start with their random nonce, so one
in 256 of them also starts with that byte: a row that does not open as sealed is tried the old way,
which a sealed row can never pass (its nonce would be read one byte early). Rows written before stay
readable and stay protected by the hash chains, checked when an account or a journey is loaded;
``careplan keys rotate`` re-seals every row it copies.

``encrypt`` and ``decrypt`` are the library's, unchanged: sessions and the read model seal their own
values with them (a place of their own is theirs to bind).
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment

SEALED = b"\x01"
"""The first byte of a row sealed with its place (the version of this format)."""
_NONCE, _TAG = 12, 16


def place(originator_id: Any, version: int, topic: str) -> bytes:
    """The associated data of a row: what it is and where it belongs, unambiguously joined."""
    return f"careplan-row:1\x1f{originator_id}\x1f{version}\x1f{topic}".encode()


class PlaceCipher(AESCipher):
    """``AESCipher`` that also seals and opens a stored row bound to its place."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self._aead = AESGCM(self.key)  # safe to share between threads: each call has its own context

    def seal(self, plaintext: bytes, where: bytes) -> bytes:
        nonce = self.random_bytes(_NONCE)
        sealed = self._aead.encrypt(nonce, plaintext, where)
        return SEALED + nonce + sealed[-_TAG:] + sealed[:-_TAG]

    def open(self, data: bytes, where: bytes) -> bytes:
        """The plaintext of a row at ``where``; ``ValueError`` when it was sealed for another place,
        altered, or written with another key."""
        if data[:1] == SEALED and len(data) >= 1 + _NONCE + _TAG:
            nonce, tag, body = data[1 : 1 + _NONCE], data[1 + _NONCE : 1 + _NONCE + _TAG], data[1 + _NONCE + _TAG :]
            try:
                return self._aead.decrypt(nonce, body + tag, where)
            except InvalidTag:
                pass  # perhaps a row written before, whose random nonce starts with the same byte
        return self.decrypt(data)

    def decrypt(self, ciphertext: bytes) -> bytes:
        """The library's format (no place), with the key's AESGCM made once."""
        nonce, tag, body = ciphertext[:_NONCE], ciphertext[_NONCE : _NONCE + _TAG], ciphertext[_NONCE + _TAG :]
        if len(nonce) != _NONCE or len(tag) != _TAG:
            raise ValueError("Damaged cipher text")
        try:
            return self._aead.decrypt(nonce, body + tag, None)
        except InvalidTag as error:
            raise ValueError("Invalid cipher tag") from error

