"""The end of a domiciliation: reminders before the end date, then radiation after a grace period."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.calendar import add_months
from registry.i18n import t
from registry.models import Domiciliation, DomiciliationStatus, Notification
from registry.services import notices
from registry.services.domiciliations import change_status
from registry.settings import Offset

from .env import ACTOR, JobEnv

log = logging.getLogger(__name__)
S = DomiciliationStatus
_RENEWAL_PENDING = (S.INSTRUCTION, S.ATTENTE_DECISION, S.AJOURNE)


def before(day: dt.date, offset: Offset) -> dt.date:
    return add_months(day, -offset.months) - dt.timedelta(weeks=offset.weeks, days=offset.days)


def end_key(domiciliation_id: int, step: int) -> str:
    return f"{notices.DOMICILIATION}:{domiciliation_id}:{step}"


def remind_end(env: JobEnv, now: dt.datetime) -> list[int]:
    """Queue the reminder whose date has come for each valid domiciliation nearing its end (the latest one only:
    a file that starts late gets the last reminder, not all of them at once); returns the notices queued."""
    calendar = env.calendar
    today = calendar.local_date(now)
    offsets = env.settings.lifecycle.end_reminders
    if not offsets:
        return []
    furthest = max(today - before(today, o) for o in offsets)
    queued: list[int] = []
    with env.sessions.begin() as session:
        doms = session.scalars(
            select(Domiciliation).where(
                Domiciliation.status == S.VALIDE,
                Domiciliation.fin.is_not(None),
                Domiciliation.fin >= today,
                Domiciliation.fin <= today + furthest + dt.timedelta(days=31),
            )
        ).all()
        for dom in doms:
            assert dom.fin is not None
            dates = sorted(before(dom.fin, o) for o in offsets)
            reached = [i for i, day in enumerate(dates) if day <= today]
            if not reached or _renewed(session, dom):
                continue
            step = reached[-1]
            keys = [end_key(dom.id, i) for i in range(step, len(dates))]
            if session.scalars(select(Notification.id).where(Notification.dedupe_key.in_(keys))).first():
                continue
            slot_day = calendar.next_slot_day(now)
            notice = notices.get_or_create(
                session, end_key(dom.id, step), usager_id=dom.usager_id, purpose=notices.DOMICILIATION,
                due_at=calendar.slot(slot_day), now=now,
                details={"domiciliation_id": dom.id, "fin": dom.fin.isoformat(), "step": step},
            )  # fmt: skip
            queued.append(notice.id)
    return queued


def radiate_expired(env: JobEnv, now: dt.datetime) -> list[int]:
    """Valid domiciliations past their end by more than the grace period, not renewed: status radié with motif."""
    today = env.calendar.local_date(now)
    limit = today - dt.timedelta(days=env.settings.lifecycle.radiation_grace_days)
    radiated: list[int] = []
    with env.sessions.begin() as session:
        doms = session.scalars(
            select(Domiciliation).where(
                Domiciliation.status == S.VALIDE, Domiciliation.fin.is_not(None), Domiciliation.fin < limit
            )
        ).all()
        for dom in doms:
            if _renewed(session, dom):
                continue
            assert dom.fin is not None
            reason = t("lifecycle.radiation.reason", fin=dom.fin.strftime("%d/%m/%Y"))
            change_status(session, dom, S.RADIE, reason=reason, actor=ACTOR, now=now)
            radiated.append(dom.id)
    if radiated:
        log.info("%d domiciliation(s) radiated at their end", len(radiated))
    return radiated


def _renewed(session: Session, dom: Domiciliation) -> bool:
    """A later request is under way (or already granted): no reminder, no radiation."""
    others = session.scalars(
        select(Domiciliation).where(Domiciliation.usager_id == dom.usager_id, Domiciliation.id > dom.id)
    ).all()
    return any(
        o.status in _RENEWAL_PENDING
        or (o.status is S.VALIDE and o.fin is not None and dom.fin is not None and o.fin > dom.fin)
        for o in others
    )
