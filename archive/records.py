"""What the vault hands back: receipts, check reports, destruction proofs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

HASH_ALGORITHM = "sha256"


@dataclass(frozen=True)
class Receipt:
    """What the depositor gets back (and what the register links to)."""

    object_id: int
    key: str
    version_id: str
    sha256: str
    size: int
    stored_sha256: str
    stored_size: int
    depositor: str
    deposited_at: dt.datetime
    retention_until: dt.date
    usager_id: int | None
    kind: str
    mime_type: str = "application/octet-stream"
    filename: str | None = None
    hash_algorithm: str = HASH_ALGORITHM


@dataclass(frozen=True)
class CheckFailure:
    object_id: int
    key: str
    version_id: str
    reason: str


@dataclass
class CheckReport:
    checked: int = 0
    ok: int = 0
    bytes: int = 0
    failures: list[CheckFailure] = field(default_factory=list)


@dataclass(frozen=True)
class Proof:
    object_id: int
    sha256: str
    method: str
    actor: str
    reason: str
    destroyed_at: dt.datetime
    storage_note: str | None
