"""Keyed hashes for search: the read tables can be searched without holding a reference in clear.

``patient_key`` is the exact match (the reference normalised as the patient index compares it: NFKC,
case-folded, trimmed). ``gram_keys`` hash every 2- and 3-character piece of the normalised reference, so a search finds a reference by any part of it of two
characters or more: a 2-character term is one piece, a longer term needs all of its 3-character pieces
(a superset test; the page is checked against the decrypted reference). The key is the cipher key
when there is one, so without it nobody can test a guess against the table (see README, search).

The pieces are hashed with keyed BLAKE2b (a MAC by design, in ``hashlib``), at a third of HMAC-SHA256's
cost: a rebuild hashes some twenty pieces for every reference in the clinic. The exact key stays
HMAC-SHA256, one per journey.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from careplan.application import CarePlan
from careplan.domain.patient_index import normal_reference

_DEFAULT_SECRET = "careplan-read-side"
GRAM_HEX = 16
"""64 bits: a collision between two pieces of references is a false candidate the page check drops."""


def _secret(app: CarePlan) -> bytes:
    return (app.store.cipher_key or _DEFAULT_SECRET).encode()


def patient_key(app: CarePlan, patient_ref: str) -> str:
    """A keyed hash of the reference, normalised: exact search works however the reference was typed,
    and the table never shows it."""
    return hmac.digest(_secret(app), normalise(patient_ref).encode(), "sha256").hex()[:40]


def normalise(text: str) -> str:
    """The domain's comparison form of a reference (NFKC, case-folded, trimmed): the index's, so search
    finds ``MRN-5`` by `` mrn-5`` as the one-open-course rule sees one patient."""
    return normal_reference(text)


def grams(text: str) -> set[str]:
    """Every 2- and 3-character piece of the normalised text (what the index holds)."""
    norm = normalise(text)
    return {norm[i : i + n] for n in (2, 3) for i in range(len(norm) - n + 1)}


def term_grams(term: str) -> set[str]:
    """The pieces a reference must have to contain ``term``: itself if 2 long, else its 3-pieces."""
    norm = normalise(term)
    if len(norm) < 2:
        return set()
    if len(norm) == 2:
        return {norm}
    return {norm[i : i + 3] for i in range(len(norm) - 2)}


def gram_keys(app: CarePlan, pieces: set[str]) -> list[str]:
    keyed = _gram_hash(_secret(app))
    found = []
    for piece in pieces:
        h = keyed.copy()
        h.update(piece.encode())
        found.append(h.hexdigest())
    found.sort()
    return found


@lru_cache(maxsize=8)
def _gram_hash(secret: bytes) -> hashlib.blake2b:
    """A keyed BLAKE2b state to copy for each piece (its key is at most 64 bytes: a longer secret is
    hashed to 64 first)."""
    key = secret if len(secret) <= 64 else hashlib.blake2b(secret).digest()
    return hashlib.blake2b(key=key, digest_size=GRAM_HEX // 2, person=b"careplan-gram")
