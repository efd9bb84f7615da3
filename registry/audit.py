"""Append to and verify the hash-chained journal (AuditEvent)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .i18n import t
from .models import AuditEvent, AuditHead, utcnow

GENESIS_HASH = "0" * 64
_HEAD_ID = 1


@dataclass(frozen=True)
class ChainBreak:
    """Where and why the chain stops being trustworthy."""

    event_id: int | None
    reason: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head_hash: str
    problem: ChainBreak | None = None


def canonical(
    event_id: int,
    at: dt.datetime,
    actor: str,
    action: str,
    target: str | None,
    details: Mapping[str, object],
    prev_hash: str,
) -> bytes:
    """The bytes that an event's hash covers (stable across SQLite and PostgreSQL)."""
    doc = {
        "id": event_id,
        "at": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor,
        "action": action,
        "target": target,
        "details": details,
        "prev": prev_hash,
    }
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def record(
    session: Session,
    actor: str,
    action: str,
    target: str | None = None,
    details: Mapping[str, object] | None = None,
    *,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction.

    The head row is locked (SELECT … FOR UPDATE on PostgreSQL), so concurrent appends are
    serialised and ids stay contiguous even when other transactions roll back.
    """
    head = session.get(AuditHead, _HEAD_ID, with_for_update=True)
    if head is None:
        head = AuditHead(id=_HEAD_ID, last_id=0, last_hash=GENESIS_HASH, count=0)
        session.add(head)
        session.flush()
    at = at or utcnow()
    payload = dict(details or {})
    event_id = head.last_id + 1
    digest = hashlib.sha256(canonical(event_id, at, actor, action, target, payload, head.last_hash)).hexdigest()
    event = AuditEvent(
        id=event_id,
        at=at,
        actor=actor,
        action=action,
        target=target,
        details=payload,
        prev_hash=head.last_hash,
        hash=digest,
    )
    session.add(event)
    head.last_id, head.last_hash, head.count = event_id, digest, head.count + 1
    session.flush()
    return event


def verify(session: Session, *, batch: int = 5000) -> VerifyResult:
    """Walk the whole chain; report the first event at which it breaks."""
    rows = session.execute(
        select(
            AuditEvent.id,
            AuditEvent.at,
            AuditEvent.actor,
            AuditEvent.action,
            AuditEvent.target,
            AuditEvent.details,
            AuditEvent.prev_hash,
            AuditEvent.hash,
        )
        .order_by(AuditEvent.id)
        .execution_options(yield_per=batch)
    )
    checked, last_hash, problem = _walk(rows)
    if problem is None:
        problem = _check_head(session, checked, last_hash)
    return VerifyResult(ok=problem is None, checked=checked, head_hash=last_hash, problem=problem)


def _walk(rows: Iterable[tuple]) -> tuple[int, str, ChainBreak | None]:  # type: ignore[type-arg]
    expected_id, prev, checked = 1, GENESIS_HASH, 0
    for event_id, at, actor, action, target, details, prev_hash, stored in rows:
        if event_id != expected_id:
            kind = t("audit.id_gap.missing" if event_id > expected_id else "audit.id_gap.order")
            return (
                checked,
                prev,
                ChainBreak(event_id, t("audit.id_gap", event_id=event_id, expected=expected_id, kind=kind)),
            )
        if prev_hash != prev:
            return checked, prev, ChainBreak(event_id, t("audit.link"))
        computed = hashlib.sha256(canonical(event_id, at, actor, action, target, details, prev_hash)).hexdigest()
        if computed != stored:
            return checked, prev, ChainBreak(event_id, t("audit.content"))
        prev, expected_id, checked = stored, expected_id + 1, checked + 1
    return checked, prev, None


def _check_head(session: Session, checked: int, last_hash: str) -> ChainBreak | None:
    head = session.get(AuditHead, _HEAD_ID)
    if head is None:
        return None if checked == 0 else ChainBreak(None, t("audit.head_missing"))
    if head.last_id != checked or head.last_hash != last_hash:
        return ChainBreak(checked + 1, t("audit.truncated", last=checked, head=head.last_id))
    return None


def events(session: Session, *, target: str | None = None, action_prefix: str | None = None) -> Iterator[AuditEvent]:
    """Read the journal in order, optionally for one target or one family of actions."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    if target is not None:
        query = query.where(AuditEvent.target == target)
    if action_prefix is not None:
        query = query.where(AuditEvent.action.startswith(action_prefix))
    yield from session.scalars(query.execution_options(yield_per=1000))
