"""The review queue: letters an agent confirms, corrects or returns as 'inconnu'; each decision feeds the matcher."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.audit import record
from registry.i18n import CoffreError
from registry.models import Document, MailItem, MailKind, MailStatus, MatchFeedback, Usager
from registry.services.returns import UNKNOWN_ADDRESSEE

from .history import sender_key
from .matching import MatchResult, MatchStatus

log = logging.getLogger(__name__)

RECENT_SENDERS = 3
CONFIRMED, CORRECTED, INCONNU = "confirmed", "corrected", "inconnu"


class ReviewError(CoffreError):
    """A review action that cannot be done (unknown item, item not in review, usager of another structure)."""


@dataclass(frozen=True)
class QueueCandidate:
    """A proposed usager, with what lets the agent tell homonyms apart."""

    usager_id: int
    numero: str
    display_name: str
    score: float
    reasons: tuple[str, ...]
    date_naissance: dt.date | None
    homonyms: int  # other usagers of the structure with the same name
    recent_senders: tuple[str, ...]  # senders of their latest mail, newest first


@dataclass(frozen=True)
class QueueItem:
    item_id: int
    received_at: dt.datetime
    kind: MailKind
    sender: str | None
    urgent: bool
    confidence: float | None
    candidates: tuple[QueueCandidate, ...]


def apply_result(item: MailItem, result: MatchResult, *, return_unmatched: bool = False) -> None:
    """Record a decision on a new mail item: assigned → RECU for the usager, otherwise left for review.

    'unmatched' stays in review (an agent marks it 'inconnu') unless `return_unmatched`, which returns it to
    the sender at once. Journaling the automatic decision is the caller's (the ingest pipeline's) business.
    """
    item.match_confidence = result.confidence
    item.candidates = result.candidates_json()
    if result.status is MatchStatus.ASSIGNED:
        item.usager_id, item.status = result.usager_id, MailStatus.RECU
    elif result.status is MatchStatus.UNMATCHED and return_unmatched:
        _return_unknown(item, dt.datetime.now(dt.UTC))
    else:
        item.usager_id, item.status = None, MailStatus.EN_REVUE


def list_queue(session: Session, structure_id: int, limit: int = 50) -> list[QueueItem]:
    """Items waiting for an agent, urgent first then oldest first, with their candidates."""
    items = session.scalars(
        select(MailItem)
        .where(MailItem.structure_id == structure_id, MailItem.status == MailStatus.EN_REVUE)
        .order_by(MailItem.urgent.desc(), MailItem.received_at, MailItem.id)
        .limit(limit)
    ).all()
    return _queue_items(session, structure_id, items)


def queue_item(session: Session, structure_id: int, item_id: int) -> QueueItem:
    """One item waiting for an agent, with its candidates (ReviewError if not in this structure's queue)."""
    item = session.get(MailItem, item_id)
    if item is None or item.structure_id != structure_id:
        raise ReviewError("review.item_not_found", item_id=item_id)
    if item.status != MailStatus.EN_REVUE:
        raise ReviewError("review.not_in_review", item_id=item_id)
    return _queue_items(session, structure_id, [item])[0]


def queue_count(session: Session, structure_id: int) -> int:
    query = select(func.count(MailItem.id)).where(
        MailItem.structure_id == structure_id, MailItem.status == MailStatus.EN_REVUE
    )
    return session.scalar(query) or 0


def next_in_queue(session: Session, structure_id: int, after_item_id: int | None = None) -> int | None:
    """The id of the next item to review (urgent first, then oldest), skipping `after_item_id`."""
    query = select(MailItem.id).where(MailItem.structure_id == structure_id, MailItem.status == MailStatus.EN_REVUE)
    if after_item_id is not None:
        query = query.where(MailItem.id != after_item_id)
    return session.scalars(query.order_by(MailItem.urgent.desc(), MailItem.received_at, MailItem.id).limit(1)).first()


def _queue_items(session: Session, structure_id: int, items: Sequence[MailItem]) -> list[QueueItem]:
    ids = {int(c["usager_id"]) for item in items for c in item.candidates or () if c.get("usager_id") is not None}
    usagers = _usagers(session, structure_id, ids)
    homonyms = _homonym_counts(session, structure_id, {u.name_key for u in usagers.values()})
    senders = _recent_senders(session, structure_id, usagers)
    return [
        QueueItem(
            item_id=item.id,
            received_at=item.received_at,
            kind=item.kind,
            sender=item.sender,
            urgent=item.urgent,
            confidence=item.match_confidence,
            candidates=tuple(
                QueueCandidate(
                    usager_id=u.id,
                    numero=u.numero,
                    display_name=u.display_name,
                    score=float(c.get("score") or 0.0),  # type: ignore[arg-type]
                    reasons=tuple(c.get("reasons") or ()),  # type: ignore[arg-type]
                    date_naissance=u.date_naissance,
                    homonyms=homonyms.get(u.name_key, 1) - 1,
                    recent_senders=senders.get(u.id, ()),
                )
                for c in item.candidates or ()
                if (u := usagers.get(int(c.get("usager_id") or 0))) is not None  # type: ignore[call-overload]
            ),
        )
        for item in items
    ]


def confirm(
    session: Session,
    item_id: int,
    usager_id: int,
    *,
    actor: str,
    actor_id: int | None = None,
    addressee_key: str | None = None,
) -> MatchFeedback:
    """The agent gives the letter to `usager_id`: 'confirmed' if that was the top candidate, else 'corrected'.

    `addressee_key` is the addressee as read (MatchResult.name_key); without it the top candidate's name
    stands for it. The letter becomes RECU for the usager; the decision is journaled and kept as feedback.
    """
    item = _item_in_review(session, item_id)
    usager = session.get(Usager, usager_id)
    if usager is None or usager.structure_id != item.structure_id:
        raise ReviewError("review.usager_not_found", usager_id=usager_id)
    top = _top_candidate(item)
    outcome = CONFIRMED if top == usager_id else CORRECTED
    read = addressee_key or item.addressee_key or _read_key(session, item, usager)
    feedback = _feedback(session, item, usager_id, outcome, actor_id, read)
    item.usager_id, item.status = usager_id, MailStatus.RECU
    _assign_scan(session, item, usager_id)
    action = "mail.review.confirm" if outcome == CONFIRMED else "mail.review.correct"
    details = {"outcome": outcome, "usager_id": usager.id, "numero": usager.numero, "feedback_id": feedback.id}
    if top is not None and top != usager_id:
        details["proposed_usager_id"] = top
    record(session, actor, action, f"mail:{item.id}", details)
    log.info("mail %d reviewed: %s (usager %d)", item.id, outcome, usager.id)
    return feedback


def mark_unknown(
    session: Session,
    item_id: int,
    *,
    actor: str,
    actor_id: int | None = None,
    addressee_key: str | None = None,
    now: dt.datetime | None = None,
) -> MatchFeedback:
    """'Inconnu': the addressee is not domiciled here; the letter is returned to its sender (RETOURNE) now."""
    item = _item_in_review(session, item_id)
    read = addressee_key or item.addressee_key or _read_key(session, item, None)
    feedback = _feedback(session, item, None, INCONNU, actor_id, read)
    _return_unknown(item, now or dt.datetime.now(dt.UTC))
    record(session, actor, "mail.review.unknown", f"mail:{item.id}", {"outcome": INCONNU, "feedback_id": feedback.id})
    log.info("mail %d reviewed: inconnu, returned to sender", item.id)
    return feedback


def _return_unknown(item: MailItem, now: dt.datetime) -> None:
    """Back to the sender, dated (the statistics count a return in the period it happened) and marked 'inconnu'."""
    item.usager_id, item.status = None, MailStatus.RETOURNE
    item.returned_at, item.return_reason = now, UNKNOWN_ADDRESSEE


def _assign_scan(session: Session, item: MailItem, usager_id: int) -> None:
    """The envelope's scan joins the usager's documents (its bytes stay under the structure's key)."""
    if item.scan_document_id is not None:
        document = session.get(Document, item.scan_document_id)
        if document is not None:
            document.usager_id = usager_id


def _item_in_review(session: Session, item_id: int) -> MailItem:
    item = session.get(MailItem, item_id, with_for_update=True)
    if item is None:
        raise ReviewError("review.item_not_found", item_id=item_id)
    if item.status != MailStatus.EN_REVUE:
        raise ReviewError("review.not_in_review", item_id=item_id)
    return item


def _top_candidate(item: MailItem) -> int | None:
    first = (item.candidates or [None])[0]
    return int(first["usager_id"]) if first and first.get("usager_id") is not None else None  # type: ignore[call-overload]


def _read_key(session: Session, item: MailItem, chosen: Usager | None) -> str:
    """Stand-in for the addressee as read: the top candidate's name, else the chosen usager's."""
    top = _top_candidate(item)
    usager = session.get(Usager, top) if top is not None else chosen
    return usager.name_key if usager is not None else ""


def _feedback(
    session: Session, item: MailItem, usager_id: int | None, outcome: str, actor_id: int | None, name_key: str
) -> MatchFeedback:
    feedback = MatchFeedback(
        structure_id=item.structure_id,
        mail_item_id=item.id,
        name_key=name_key[:400],
        sender_key=sender_key(item.sender, item.sender_org),
        usager_id=usager_id,
        outcome=outcome,
        decided_by_id=actor_id,
    )
    session.add(feedback)
    session.flush()
    return feedback


def _usagers(session: Session, structure_id: int, ids: set[int]) -> dict[int, Usager]:
    if not ids:
        return {}
    found = session.scalars(select(Usager).where(Usager.structure_id == structure_id, Usager.id.in_(ids)))
    return {u.id: u for u in found}


def _homonym_counts(session: Session, structure_id: int, keys: set[str]) -> dict[str, int]:
    if not keys:
        return {}
    rows = session.execute(
        select(Usager.name_key, func.count(Usager.id))
        .where(Usager.structure_id == structure_id, Usager.name_key.in_(keys))
        .group_by(Usager.name_key)
    )
    return {key: count for key, count in rows}


def _recent_senders(session: Session, structure_id: int, usagers: dict[int, Usager]) -> dict[int, tuple[str, ...]]:
    if not usagers:
        return {}
    rows = session.execute(
        select(MailItem.usager_id, MailItem.sender)
        .where(
            MailItem.structure_id == structure_id,
            MailItem.usager_id.in_(usagers),
            MailItem.sender.is_not(None),
        )
        .order_by(MailItem.received_at.desc(), MailItem.id.desc())
        .limit(50 * len(usagers))
    )
    return _first_distinct(rows)


def _first_distinct(rows: Iterable[tuple[int | None, str | None]]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = defaultdict(list)
    for usager_id, sender in rows:
        if usager_id is None or not sender:
            continue
        senders = found[usager_id]
        if sender not in senders and len(senders) < RECENT_SENDERS:
            senders.append(sender)
    return {k: tuple(v) for k, v in found.items()}
