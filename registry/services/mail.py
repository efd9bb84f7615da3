"""Courrier at the counter: today's mail, a usager's open mail, procurations and the remise itself."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import record
from ..i18n import CoffreError
from ..models import OPEN_MAIL_STATUSES, MailItem, MailStatus, Procuration, RemiseTo, Usager, utcnow
from .notices import cancel_for_mail

log = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo("Europe/Paris")  # the structure's working day, for "today's mail"


class MailError(CoffreError):
    pass


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TZ)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC)


def today() -> dt.date:
    return utcnow().astimezone(LOCAL_TZ).date()


def mail_of_day(session: Session, structure_id: int, day: dt.date, *, limit: int = 500) -> list[MailItem]:
    start, end = local_day_bounds(day)
    return list(
        session.scalars(
            select(MailItem)
            .where(MailItem.structure_id == structure_id, MailItem.received_at >= start, MailItem.received_at < end)
            .order_by(MailItem.received_at.desc(), MailItem.id.desc())
            .limit(limit)
        )
    )


def open_mail(session: Session, usager_id: int) -> list[MailItem]:
    return list(
        session.scalars(
            select(MailItem)
            .where(MailItem.usager_id == usager_id, MailItem.status.in_(OPEN_MAIL_STATUSES))
            .order_by(MailItem.urgent.desc(), MailItem.received_at, MailItem.id)
        )
    )


def mail_history(session: Session, usager_id: int, *, limit: int = 100) -> list[MailItem]:
    return list(
        session.scalars(
            select(MailItem)
            .where(MailItem.usager_id == usager_id)
            .order_by(MailItem.received_at.desc(), MailItem.id.desc())
            .limit(limit)
        )
    )


def item_in(session: Session, structure_id: int, item_id: int) -> MailItem:
    item = session.get(MailItem, item_id)
    if item is None or item.structure_id != structure_id:
        raise MailError("mail.not_found", item_id=item_id)
    return item


def valid_procurations(session: Session, usager_id: int, day: dt.date) -> list[Procuration]:
    return list(
        session.scalars(
            select(Procuration)
            .where(
                Procuration.usager_id == usager_id,
                Procuration.revoked_at.is_(None),
                Procuration.debut <= day,
                Procuration.fin >= day,
            )
            .order_by(Procuration.mandataire_nom)
        )
    )


def add_procuration(
    session: Session,
    usager: Usager,
    *,
    nom: str,
    prenoms: str,
    debut: dt.date,
    fin: dt.date,
    date_naissance: dt.date | None = None,
    piece: str | None = None,
    actor: str,
    actor_id: int | None = None,
) -> Procuration:
    if not nom.strip():
        raise MailError("procuration.nom_required")
    if fin < debut:
        raise MailError("procuration.dates")
    row = Procuration(
        usager_id=usager.id,
        mandataire_nom=nom.strip(),
        mandataire_prenoms=prenoms.strip(),
        mandataire_date_naissance=date_naissance,
        mandataire_piece=(piece or "").strip() or None,
        debut=debut,
        fin=fin,
        created_by_id=actor_id,
    )
    session.add(row)
    session.flush()
    record(session, actor, "procuration.create", f"usager:{usager.id}", {"procuration_id": row.id})
    return row


def revoke_procuration(session: Session, usager: Usager, procuration_id: int, *, actor: str) -> None:
    row = session.get(Procuration, procuration_id)
    if row is None or row.usager_id != usager.id:
        raise MailError("procuration.not_found")
    row.revoked_at = utcnow()
    record(session, actor, "procuration.revoke", f"usager:{usager.id}", {"procuration_id": row.id})


def hand_over(
    session: Session,
    usager: Usager,
    item_ids: list[int],
    *,
    to: RemiseTo,
    procuration_id: int | None = None,
    actor: str,
    actor_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[MailItem]:
    """Remise: the open letters `item_ids` of `usager` go to them or to a mandataire with a valid procuration."""
    now = now or utcnow()
    if not item_ids:
        raise MailError("remise.nothing_selected")
    procuration = None
    if to is RemiseTo.MANDATAIRE:
        day = now.astimezone(LOCAL_TZ).date()
        valid = {p.id: p for p in valid_procurations(session, usager.id, day)}
        procuration = valid.get(procuration_id or 0)
        if procuration is None:
            raise MailError("remise.no_procuration")
    items = []
    for item_id in item_ids:
        item = session.get(MailItem, item_id)
        if item is None or item.usager_id != usager.id or item.status not in OPEN_MAIL_STATUSES:
            raise MailError("remise.not_open", item_id=item_id)
        items.append(item)
    for item in items:
        item.status, item.remise_at, item.remise_by_id, item.remise_to = MailStatus.REMIS, now, actor_id, to
        item.procuration_id = procuration.id if procuration else None
    usager.last_contact_at = now
    cancel_for_mail(session, [i.id for i in items], now, reason="remis")  # their pending SMS/e-mail is not sent
    details: dict[str, object] = {"items": [i.id for i in items], "to": to.value}
    if procuration is not None:
        details["procuration_id"] = procuration.id
    record(session, actor, "mail.remise", f"usager:{usager.id}", details)
    log.info("remise of %d item(s) for usager %d (%s)", len(items), usager.id, to.value)
    return items
