"""Uncollected mail: the arrival notice of each new letter, monthly reminders, and the return to sender."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from registry.audit import record
from registry.calendar import ServiceCalendar, add_months
from registry.models import OPEN_MAIL_STATUSES, MailItem, MailStatus, NotificationItem
from registry.services import notices

from .env import ACTOR, JobEnv

log = logging.getLogger(__name__)
CHUNK = 200


def queue_new_mail(env: JobEnv, now: dt.datetime) -> int:
    """Queue every assigned letter not told about yet (ingest queues its own at once; this catches the rest,
    e.g. letters confirmed in the review queue)."""
    told = exists().where(NotificationItem.mail_item_id == MailItem.id, NotificationItem.step == notices.ARRIVAL)
    queued = 0
    while True:
        with env.sessions.begin() as session:
            batch = session.scalars(
                select(MailItem)
                .where(
                    MailItem.status == MailStatus.RECU,
                    MailItem.usager_id.is_not(None),
                    MailItem.received_at <= now,
                    ~told,
                )
                .order_by(MailItem.id)
                .limit(CHUNK)
            ).all()
            for mail in batch:
                if notices.queue_mail(session, mail, env.calendar, now) is not None:
                    queued += 1
        if len(batch) < CHUNK:
            return queued


def remind_uncollected(env: JobEnv, now: dt.datetime) -> int:
    """On open days: each waiting letter gets its n-th reminder n months after reception (merged into that day's
    notice of its usager), up to `reminders_before_return`; returns the number of reminders queued."""
    calendar, policy = env.calendar, env.settings.lifecycle
    today = calendar.local_date(now)
    if not calendar.is_open(today):
        return 0
    # Letters received after this instant cannot owe a reminder yet.
    horizon = calendar.at(add_months(today, -policy.reminder_every_months) + dt.timedelta(days=1), dt.time())
    queued = 0
    with env.sessions.begin() as session:
        for mail in _waiting(session, horizon):
            if mail.reminders_sent >= policy.reminders_before_return:
                continue
            step = mail.reminders_sent + 1
            if _due_day(calendar, mail, policy.reminder_every_months * step) > today:
                continue
            notices.queue_mail(session, mail, calendar, now, step=notices.reminder_step(step))
            mail.reminders_sent, mail.last_reminder_at = step, now
            queued += 1
    return queued


def mark_returns(env: JobEnv, now: dt.datetime) -> list[int]:
    """A letter still uncollected a month after its last reminder is marked for return to its sender."""
    calendar, policy = env.calendar, env.settings.lifecycle
    today = calendar.local_date(now)
    if not calendar.is_open(today):
        return []
    months = policy.reminder_every_months * (policy.reminders_before_return + 1)
    horizon = calendar.at(add_months(today, -months) + dt.timedelta(days=1), dt.time())
    marked: list[int] = []
    with env.sessions.begin() as session:
        for mail in _waiting(session, horizon):
            if mail.reminders_sent >= policy.reminders_before_return and _due_day(calendar, mail, months) <= today:
                mail.return_marked_at = now
                marked.append(mail.id)
        if marked:
            notices.cancel_for_mail(session, marked, now, reason="a_retourner")
            record(session, ACTOR, "mail.return_marked", "courrier", {"items": marked})
    return marked


def _waiting(session: Session, received_before: dt.datetime) -> list[MailItem]:
    return list(
        session.scalars(
            select(MailItem)
            .where(
                MailItem.status.in_(OPEN_MAIL_STATUSES),
                MailItem.usager_id.is_not(None),
                MailItem.return_marked_at.is_(None),
                MailItem.received_at < received_before,
            )
            .order_by(MailItem.id)
        )
    )


def _due_day(calendar: ServiceCalendar, mail: MailItem, months: int) -> dt.date:
    return add_months(calendar.local_date(mail.received_at), months)
