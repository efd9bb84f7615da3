"""Sender history: which usager agents chose before for a given sender and addressee name."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import MailItem, MatchFeedback
from registry.names import normalize

from .labels import FALLBACK, SENDER

log = logging.getLogger(__name__)

RECENT_SENDERS = 3


def sender_key(sender: str | None, sender_org: str | None = None) -> str | None:
    """The sender in comparable form: the recognised organisation when there is one, else the sender as read.

    The classifier's fallback class ('autre': none recognised) is no organisation: a lawyer and a hospital under one
    key would share their history.
    """
    org = sender_org if sender_org != FALLBACK[SENDER] else None
    key = normalize(org or "") or normalize(sender or "") or normalize(sender_org or "")
    return key[:300] or None


@dataclass(frozen=True)
class Feedback:
    """One agent decision, as the history needs it (usager_id None: 'inconnu')."""

    sender_key: str | None
    name_key: str
    usager_id: int | None


@dataclass(frozen=True)
class SenderHistory:
    """Agents' past choices per (sender, name read), and who each sender wrote to.

    Built once (from the database or from plain records) and then only read.
    """

    votes: Mapping[tuple[str, str], Mapping[int | None, int]] = field(default_factory=dict)
    recipients: Mapping[str, frozenset[int]] = field(default_factory=dict)
    recent: Mapping[int, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_records(
        cls, feedback: Iterable[Feedback], deliveries: Iterable[tuple[str | None, int]] = ()
    ) -> SenderHistory:
        """From feedback in chronological order and (sender_key, usager_id) of mail already assigned."""
        votes: dict[tuple[str, str], Counter[int | None]] = defaultdict(Counter)
        recipients: dict[str, set[int]] = defaultdict(set)
        recent: dict[int, list[str]] = defaultdict(list)
        for row in feedback:
            if row.sender_key is None:
                continue
            votes[(row.sender_key, row.name_key)][row.usager_id] += 1
            if row.usager_id is not None:
                recipients[row.sender_key].add(row.usager_id)
                senders = recent[row.usager_id]
                if row.sender_key in senders:
                    senders.remove(row.sender_key)
                senders.insert(0, row.sender_key)
                del senders[RECENT_SENDERS:]
        for key, usager_id in deliveries:
            if key is not None:
                recipients[key].add(usager_id)
        return cls(
            votes={k: dict(v) for k, v in votes.items()},
            recipients={k: frozenset(v) for k, v in recipients.items()},
            recent={k: tuple(v) for k, v in recent.items()},
        )

    @classmethod
    def load(cls, session: Session, structure_id: int) -> SenderHistory:
        """The structure's feedback and the senders of its assigned mail."""
        feedback = session.execute(
            select(MatchFeedback.sender_key, MatchFeedback.name_key, MatchFeedback.usager_id)
            .where(MatchFeedback.structure_id == structure_id)
            .order_by(MatchFeedback.decided_at, MatchFeedback.id)
        )
        deliveries = session.execute(
            select(MailItem.sender, MailItem.sender_org, MailItem.usager_id)
            .where(MailItem.structure_id == structure_id, MailItem.usager_id.is_not(None))
            .distinct()
        )
        history = cls.from_records(
            (Feedback(s, n, u) for s, n, u in feedback),
            ((sender_key(sender, org), usager_id) for sender, org, usager_id in deliveries),
        )
        log.info("sender history loaded: %d sender/name pairs, %d senders", len(history.votes), len(history.recipients))
        return history

    def votes_for(self, sender: str | None, name_keys: Iterable[str]) -> dict[int | None, int]:
        """Agents' choices for this sender and the first of `name_keys` that has any."""
        if sender is None:
            return {}
        for key in name_keys:
            found = self.votes.get((sender, key))
            if found:
                return dict(found)
        return {}
