"""Seal the journal: write its head as a WORM object (daily and on demand), with an optional timestamp."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from registry import audit
from registry.models import AuditHead, JournalSeal, utcnow

from .vault import Vault

# Signs a digest with an RFC 3161 time-stamp authority and returns the token (filled by signing/).
Timestamper = Callable[[bytes], bytes]


@dataclass(frozen=True)
class SealResult:
    seal_id: int
    head_event_id: int
    head_hash: str
    object_id: int
    timestamped: bool


def seal_journal(vault: Vault, *, actor: str, timestamper: Timestamper | None = None) -> SealResult:
    """Store {head id, head hash, count, time} in the coffre-fort and record the seal."""
    with vault.sessions() as session:
        head = session.get(AuditHead, 1)
        head_id, head_hash, count = (head.last_id, head.last_hash, head.count) if head else (0, audit.GENESIS_HASH, 0)
    sealed_at = utcnow()
    document = json.dumps(
        {"head_event_id": head_id, "head_hash": head_hash, "events": count, "sealed_at": sealed_at.isoformat()},
        sort_keys=True,
    ).encode()
    token = timestamper(hashlib.sha256(document).digest()) if timestamper else None
    receipt = vault.deposit(
        document, kind="journal_seal", actor=actor, mime_type="application/json", metadata={"head_event_id": head_id}
    )
    with vault.sessions.begin() as session:
        seal = JournalSeal(
            head_event_id=head_id,
            head_hash=head_hash,
            object_id=receipt.object_id,
            sealed_at=sealed_at,
            timestamp_token=token,
        )
        session.add(seal)
        session.flush()
        audit.record(
            session,
            actor,
            "journal.seal",
            f"seal:{seal.id}",
            {"head_event_id": head_id, "head_hash": head_hash, "timestamped": token is not None},
        )
        return SealResult(seal.id, head_id, head_hash, receipt.object_id, token is not None)


def seal_if_due(
    vault: Vault,
    *,
    actor: str = "system",
    every: dt.timedelta = dt.timedelta(days=1),
    timestamper: Timestamper | None = None,
) -> SealResult | None:
    """Seal when the last seal is older than `every` (the daily job calls this every hour)."""
    with vault.sessions() as session:
        last = session.scalar(select(func.max(JournalSeal.sealed_at)))
    if last is not None and vault.clock() - last.replace(tzinfo=dt.UTC) < every:
        return None
    return seal_journal(vault, actor=actor, timestamper=timestamper)
