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

The library's ``Mapper`` hands its cipher the row's bytes without the row, so ``SealingMapper`` is the
library's mapper with the cipher taken out of its two steps and put around them: it encodes with the
library's mapper and seals the result at the row's place, and opens a row at its place before the
library's mapper decodes it. Every reader goes through it (loads, the verifier, the read model's
catch-up, a key rotation's copy), so each refuses a row copied elsewhere.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.cryptography import AESCipher
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Cipher, Compressor, Mapper, MapperDeserialisationError, StoredEvent, Transcoder
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



Row = TypeVar("Row", bound=StoredEvent)
"""A stored event or a notification (which is one, with its id): opened, it keeps its own class."""


class SealingMapper(Mapper[UUID]):
    """The library's ``Mapper``; with a ``PlaceCipher``, each row sealed at and opened from its place."""

    def __init__(self, transcoder: Transcoder, compressor: Compressor | None = None, cipher: Cipher | None = None) -> None:
        super().__init__(transcoder, compressor, cipher)
        self._places = cipher if isinstance(cipher, PlaceCipher) else None
        self._plain = Mapper[UUID](transcoder, compressor) if self._places is not None else self
        """The library's mapper without the cipher: what is sealed and what is opened."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        if self._places is None:
            return super().to_stored_event(domain_event)
        stored = self._plain.to_stored_event(domain_event)
        where = place(stored.originator_id, stored.originator_version, stored.topic)
        return replace(stored, state=self._places.seal(stored.state, where))

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        if self._places is None:
            return super().to_domain_event(stored_event)
        return self._plain.to_domain_event(self.opened(stored_event))

    def opened(self, stored_event: Row) -> Row:
        """The row with its state opened at its place (still compressed, if the store compresses);
        ``MapperDeserialisationError``, as the library's mapper raises, when it does not open there."""
        if self._places is None:
            return stored_event
        where = place(stored_event.originator_id, stored_event.originator_version, stored_event.topic)
        try:
            return replace(stored_event, state=self._places.open(stored_event.state, where))
        except ValueError as error:
            raise MapperDeserialisationError(
                f"Failed to open stored event with topic '{stored_event.topic}', originator_id "
                f"'{stored_event.originator_id}' and originator_version {stored_event.originator_version}: {error}"
            ) from error
