"""The queue of notices to usagers: letters attached to one message per usager and day, cancelled by a remise.

Sending is the lifecycle package's job (lifecycle/sender.py); this module only decides what is due when,
so that the registry (ingest's notify stage, the remise) can queue and cancel without knowing providers.
Uniqueness is enforced by the database: one notice per `dedupe_key`, one link per letter and step.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..calendar import ServiceCalendar
from ..i18n import CoffreError
from ..models import OPEN_MAIL_STATUSES, MailItem, Notification, NotificationItem, Usager, utcnow
from ..settings import LifecycleSettings

log = logging.getLogger(__name__)

MAIL, DOMICILIATION = "courrier", "domiciliation"
ARRIVAL = "arrivee"
PENDING, SENDING, SENT, CANCELLED, SKIPPED, FAILED = "pending", "sending", "sent", "cancelled", "skipped", "failed"


class NoticeError(CoffreError):
    pass


def reminder_step(n: int) -> str:
    return f"rappel{n}"


def mail_key(usager_id: int, day: dt.date) -> str:
    return f"{MAIL}:{usager_id}:{day.isoformat()}"


def get_or_create(
    session: Session,
    key: str,
    *,
    usager_id: int,
    purpose: str,
    due_at: dt.datetime,
    now: dt.datetime,
    details: dict[str, object] | None = None,
) -> Notification:
    """The notice holding `key`, created if missing; a concurrent creation by another process is read back."""
    found = session.scalars(select(Notification).where(Notification.dedupe_key == key)).first()
    if found is not None:
        return found
    row = Notification(
        usager_id=usager_id, purpose=purpose, dedupe_key=key, due_at=due_at, status=PENDING, attempts=0,
        details=details or {}, created_at=now,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another process created it first
        found = session.scalars(select(Notification).where(Notification.dedupe_key == key)).first()
        assert found is not None
        return found
    return row


def queue_mail(
    session: Session,
    mail: MailItem,
    calendar: ServiceCalendar,
    now: dt.datetime,
    *,
    step: str = ARRIVAL,
) -> Notification | None:
    """Attach `mail` (its arrival, or its n-th reminder) to its usager's next daily notice; idempotent."""
    if mail.usager_id is None or mail.status not in OPEN_MAIL_STATUSES:
        return None
    linked = session.scalars(
        select(NotificationItem).where(NotificationItem.mail_item_id == mail.id, NotificationItem.step == step)
    ).first()
    if linked is not None:
        return session.get(Notification, linked.notification_id)
    notice = _daily_notice(session, mail.usager_id, calendar, now)
    try:
        with session.begin_nested():
            session.add(NotificationItem(notification_id=notice.id, mail_item_id=mail.id, step=step))
    except IntegrityError:  # the same letter queued by another process meanwhile
        return None
    return notice


def _daily_notice(session: Session, usager_id: int, calendar: ServiceCalendar, now: dt.datetime) -> Notification:
    """Today's notice if it is still waiting (even past the hour, e.g. between retries), else the next slot's."""
    today = calendar.local_date(now)
    if calendar.is_open(today):
        current = session.scalars(select(Notification).where(Notification.dedupe_key == mail_key(usager_id, today)))
        row = current.first()
        if row is not None and row.status == PENDING:
            return row
    day = calendar.next_slot_day(now)
    while True:
        row = get_or_create(
            session, mail_key(usager_id, day), usager_id=usager_id, purpose=MAIL, due_at=calendar.slot(day), now=now
        )
        if row.status == PENDING:
            return row
        day = calendar.next_open(day + dt.timedelta(days=1))  # that day's notice already left: the next one


def open_items(session: Session, notification_id: int) -> list[tuple[MailItem, str]]:
    """The letters of a notice that are still waiting at the structure, with their step."""
    rows = session.execute(
        select(MailItem, NotificationItem.step)
        .join(NotificationItem, NotificationItem.mail_item_id == MailItem.id)
        .where(NotificationItem.notification_id == notification_id, MailItem.status.in_(OPEN_MAIL_STATUSES))
        .order_by(MailItem.id)
    )
    return [(mail, step) for mail, step in rows]


def cancel_for_mail(session: Session, item_ids: list[int], now: dt.datetime, *, reason: str) -> int:
    """Cancel the waiting notices about these letters that have no other waiting letter left; how many."""
    if not item_ids:
        return 0
    session.flush()
    notice_ids = session.scalars(
        select(NotificationItem.notification_id)
        .join(Notification, Notification.id == NotificationItem.notification_id)
        .where(NotificationItem.mail_item_id.in_(item_ids), Notification.status == PENDING)
        .distinct()
    ).all()
    cancelled = 0
    for notice_id in notice_ids:
        still_open = session.scalar(
            select(func.count())
            .select_from(NotificationItem)
            .join(MailItem, MailItem.id == NotificationItem.mail_item_id)
            .where(NotificationItem.notification_id == notice_id, MailItem.status.in_(OPEN_MAIL_STATUSES))
        )
        if not still_open:
            cancelled += session.execute(
                update(Notification)
                .where(Notification.id == notice_id, Notification.status == PENDING)
                .values(status=CANCELLED, cancelled_at=now, cancel_reason=reason)
            ).rowcount
    if cancelled:
        log.info("%d pending notice(s) cancelled (%s)", cancelled, reason)
    return cancelled


def mail_notifier(
    settings: LifecycleSettings, clock: Callable[[], dt.datetime] = utcnow
) -> Callable[[Session, MailItem], None]:
    """The ingest notify stage's hook: a letter assigned to a usager joins their next daily notice at once."""
    calendar = ServiceCalendar.from_settings(settings)

    def notify(session: Session, mail: MailItem) -> None:
        queue_mail(session, mail, calendar, clock())

    return notify


@dataclass(frozen=True)
class NoticeRow:
    notice: Notification
    usager_id: int
    usager_name: str
    numero: str


def for_agents(
    session: Session, structure_id: int, now: dt.datetime, *, recent_days: int = 7
) -> dict[str, list[NoticeRow]]:
    """The agents' view: failed, retrying, planned, and recently closed notices of the structure."""
    since = now - dt.timedelta(days=recent_days)
    rows = session.execute(
        select(Notification, Usager)
        .join(Usager, Usager.id == Notification.usager_id)
        .where(Usager.structure_id == structure_id)
        .where(
            Notification.status.in_((PENDING, SENDING, FAILED))
            | (func.coalesce(Notification.sent_at, Notification.cancelled_at) >= since)
        )
        .order_by(Notification.due_at.desc(), Notification.id.desc())
        .limit(1000)
    )
    groups: dict[str, list[NoticeRow]] = {"failed": [], "retrying": [], "planned": [], "closed": []}
    for notice, usager in rows:
        if notice.status == FAILED:
            group = "failed"
        elif notice.status in (PENDING, SENDING):
            group = "retrying" if notice.attempts else "planned"
        else:
            group = "closed"
        groups[group].append(NoticeRow(notice, usager.id, usager.display_name, usager.numero))
    return groups


def notice_in(session: Session, structure_id: int, notice_id: int) -> Notification:
    notice = session.get(Notification, notice_id)
    usager = session.get(Usager, notice.usager_id) if notice else None
    if notice is None or usager is None or usager.structure_id != structure_id:
        raise NoticeError("notification.not_found")
    return notice
