"""Letters to return to their senders: those still uncollected after the last reminder, until an agent posts them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import record
from ..i18n import CoffreError
from ..models import OPEN_MAIL_STATUSES, MailItem, MailStatus, Usager
from .notices import cancel_for_mail

NOT_COLLECTED = "non_reclame"  # uncollected after the last reminder
UNKNOWN_ADDRESSEE = "inconnu"  # an agent found no such usager here (review)


class ReturnError(CoffreError):
    pass


@dataclass(frozen=True)
class ReturnRow:
    mail_id: int
    addressee: str
    numero: str
    sender: str | None
    received_at: dt.datetime
    reminders: int
    marked_at: dt.datetime


def return_list(session: Session, structure_id: int) -> list[ReturnRow]:
    """The letters marked for return and still at the structure, oldest first (the list agents print and stamp)."""
    rows = session.execute(
        select(MailItem, Usager)
        .join(Usager, Usager.id == MailItem.usager_id)
        .where(
            MailItem.structure_id == structure_id,
            MailItem.return_marked_at.is_not(None),
            MailItem.status.in_(OPEN_MAIL_STATUSES),
        )
        .order_by(MailItem.received_at, MailItem.id)
    )
    return [
        ReturnRow(
            mail_id=mail.id,
            addressee=usager.display_name,
            numero=usager.numero,
            sender=mail.sender,
            received_at=mail.received_at,
            reminders=mail.reminders_sent,
            marked_at=mail.return_marked_at,  # type: ignore[arg-type]
        )
        for mail, usager in rows
    ]


def confirm_returned(
    session: Session, structure_id: int, item_ids: list[int], now: dt.datetime, *, actor: str
) -> list[int]:
    """The agent has posted these letters back: status retourné (non réclamé)."""
    if not item_ids:
        raise ReturnError("returns.nothing_selected")
    wanted = {r.mail_id for r in return_list(session, structure_id)}
    unknown = [i for i in item_ids if i not in wanted]
    if unknown:
        raise ReturnError("returns.not_marked", item_id=unknown[0])
    for item_id in item_ids:
        mail = session.get(MailItem, item_id)
        assert mail is not None
        mail.status, mail.returned_at, mail.return_reason = MailStatus.RETOURNE, now, NOT_COLLECTED
    cancel_for_mail(session, item_ids, now, reason="retourne")
    record(session, actor, "mail.returned", "courrier", {"items": sorted(item_ids)})
    return sorted(item_ids)
