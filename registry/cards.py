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


TOKEN_CHARS = 32  # base32 characters of a token (no padding)
TOKEN_DIGITS = 49  # decimal digits of a token on a numeric track (ISO 7813 track 3 holds 107)
_B32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def token_digits(token: str) -> str:
    """The same token as 49 decimal digits, for numeric-only media (magnetic track 3, numeric barcodes)."""
    value = int.from_bytes(base64.b32decode(token.strip().upper()), "big")
    return str(value).zfill(TOKEN_DIGITS)


def normalize_token(raw: str) -> str | None:
    """The base32 token carried by `raw` (base32 text or its 49-digit form), or None if it cannot be one.

    Anything else a reader may send (a bank card's track, a random barcode) is rejected here, before
    it is sent anywhere or compared with anything.
    """
    text = raw.strip().upper()
    if len(text) == TOKEN_CHARS and set(text) <= _B32:
        return text
    if len(text) == TOKEN_DIGITS and text.isascii() and text.isdigit():
        value = int(text)
        if value < 1 << (8 * TOKEN_BYTES):
            return base64.b32encode(value.to_bytes(TOKEN_BYTES, "big")).decode("ascii")
    return None
