"""One-time codes sent by SMS or e-mail: random digits, only a digest bound to their owner is stored."""

from __future__ import annotations

import hmac
import secrets

from .cards import secret_digest


def new_code(length: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


def code_digest(owner: str, code: str) -> str:
    """The stored form of `code` for `owner` ("usager:42", "user:7"): the same code of another owner differs."""
    return secret_digest(f"{owner}:{code}")


def code_matches(stored: str, owner: str, code: str) -> bool:
    return hmac.compare_digest(stored, code_digest(owner, code.strip()))
