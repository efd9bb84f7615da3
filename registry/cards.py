"""Card tokens: random, unguessable, stored only as a SHA-256 digest."""

from __future__ import annotations

import base64
import hashlib
import secrets

TOKEN_BYTES = 20  # 160 bits; 32 base32 characters fit an ISO 7813 track 1 or a Code 39/128 barcode


def new_token() -> str:
    """A fresh card token (A-Z, 2-7), independent of anything known about the usager."""
    return base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode("ascii")


def secret_digest(secret: str) -> str:
    """The SHA-256 stored in place of a random secret (session cookie, kiosk key), exactly as given."""
    return hashlib.sha256(secret.encode()).hexdigest()


def token_hash(token: str) -> str:
    """The digest stored and looked up; whitespace and case from a reader are ignored."""
    return hashlib.sha256(token.strip().upper().encode("ascii", "replace")).hexdigest()
