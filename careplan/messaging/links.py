"""One-time questionnaire links: a token the server can make again but never stores.

The token is the journey's id and an HMAC of (journey, link key) under a server key, in URL-safe
base64. The event keeps only the token's SHA-256 (``QuestionnaireSent.token_hash``): whoever reads the
store cannot make a working link, while the dispatcher (which holds the server key) makes the same
token for a resend. The journey id in it is opaque (a UUID, never the patient's reference) and lets
the page find the link without an index of tokens.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from uuid import UUID

from careplan.adapters.server_keys import server_key
from careplan.application import CarePlan

PURPOSE = "questionnaire links"
_MAC_BYTES = 18


def make_token(app: CarePlan, journey_id: UUID, key: str) -> str:
    mac = hmac.new(server_key(app, PURPOSE), f"{journey_id}\n{key}".encode(), hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(journey_id.bytes + mac).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def journey_of(token: str) -> UUID | None:
    """The journey a well-formed token names, or None for anything else (never an error)."""
    if not 20 <= len(token) <= 64 or not all(c.isalnum() or c in "-_" for c in token):
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 16 + _MAC_BYTES:
        return None
    return UUID(bytes=raw[:16])


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/q/{token}"
