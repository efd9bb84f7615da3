"""What the vault needs from a storage backend (the WORM rules live in the backend)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PutResult:
    version_id: str
    stored_size: int
    stored_sha256: str


@dataclass(frozen=True)
class StoredVersion:
    key: str
    version_id: str
    size: int
    retain_until: dt.datetime | None
    mode: str | None  # COMPLIANCE
    legal_hold: bool


class Backend(Protocol):
    name: str

    def ensure_ready(self) -> None:
        """Create the bucket/directory with Object Lock if missing; fail clearly if unusable."""

    def put(self, key: str, chunks: Iterable[bytes], retain_until: dt.datetime) -> PutResult:
        """Store a new version, COMPLIANCE-locked until `retain_until`; the bytes are verified by the server."""

    def get(self, key: str, version_id: str) -> Iterator[bytes]:
        """Stream one version's stored bytes."""

    def stat(self, key: str, version_id: str) -> StoredVersion: ...

    def delete(self, key: str, version_id: str) -> None:
        """Delete one version; refused (by the storage) while locked or on legal hold."""

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None: ...

    def extend_retention(self, key: str, version_id: str, retain_until: dt.datetime) -> None:
        """Lengthen a version's lock; shortening is refused."""

    def versions(self) -> Iterator[StoredVersion]:
        """Every stored version (for audits and reconciliation)."""
