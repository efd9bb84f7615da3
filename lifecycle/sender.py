"""Send the notices that are due: claim each one in the database, send outside any transaction, retry with backoff."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from notify import NotConfigured, NotifyError, Recipient
from registry.audit import record
from registry.i18n import t
from registry.models import (
    Channel,
    Domiciliation,
    DomiciliationStatus,
    MailItem,
    MailStatus,
    Notification,
    Structure,
    Usager,
)
from registry.services import notices
from registry.services.usagers import contact_of

from .env import ACTOR, JobEnv
from .messages import Message, domiciliation_message, mail_message

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class SendSummary:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class _Claimed:
    notice_id: int
    usager_id: int
    recipient: Recipient
    message: Message
    item_ids: tuple[int, ...]


def send_due(env: JobEnv, now: dt.datetime) -> SendSummary:
    """Every pending notice whose slot (or next retry) has come; safe to run in several processes at once."""
    summary = SendSummary()
    stale = now - dt.timedelta(minutes=env.settings.lifecycle.sending_stale_minutes)
    with env.sessions.begin() as session:  # a process that died while sending: its notices go back to the queue
        session.execute(
            update(Notification)
            .where(Notification.status == notices.SENDING, Notification.claimed_at < stale)
            .values(status=notices.PENDING)
        )
    with env.sessions() as session:
        due = session.scalars(
            select(Notification.id)
            .where(
                Notification.status == notices.PENDING,
                Notification.due_at <= now,
                or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
            )
            .order_by(Notification.due_at, Notification.id)
            .limit(BATCH)
        ).all()
    for notice_id in due:
        claimed = _claim(env, notice_id, now, summary)
        if claimed is not None:
            _deliver(env, claimed, now, summary)
    if due:
        log.info("notices: %s", summary)
    return summary


def _claim(env: JobEnv, notice_id: int, now: dt.datetime, summary: SendSummary) -> _Claimed | None:
    """Take the notice for this process and compose its text, or close it when there is nothing to send."""
    with env.sessions.begin() as session:
        taken = session.execute(
            update(Notification)
            .where(Notification.id == notice_id, Notification.status == notices.PENDING)
            .values(status=notices.SENDING, claimed_at=now)
        ).rowcount
        if not taken:  # another process has it
            return None
        notice = session.get(Notification, notice_id)
        usager = session.get(Usager, notice.usager_id) if notice else None
        assert notice is not None and usager is not None
        composed = _compose(session, env, notice)
        if composed is None:
            _close(notice, notices.CANCELLED, now, "plus_en_attente")
            summary.cancelled += 1
            return None
        message, item_ids = composed
        contact = contact_of(usager) if usager.channel is not Channel.NONE and usager.purged_at is None else None
        if contact is None:
            _close(notice, notices.SKIPPED, now, "sans_canal" if usager.channel is Channel.NONE else "sans_contact")
            record(session, ACTOR, "notification.skipped", f"usager:{usager.id}", {"notification": notice.id})
            summary.skipped += 1
            return None
        notice.text, notice.channel = message.text, contact[0].value
        return _Claimed(notice.id, usager.id, Recipient(*contact), message, tuple(item_ids))


def _compose(session: Session, env: JobEnv, notice: Notification) -> tuple[Message, list[int]] | None:
    structure = session.scalars(select(Structure).order_by(Structure.id).limit(1)).one()
    place = env.settings.lifecycle.notice_place
    if notice.purpose == notices.MAIL:
        items = notices.open_items(session, notice.id)
        if not items:
            return None
        return mail_message(items, structure, place), [mail.id for mail, _ in items]
    dom = session.get(Domiciliation, int(notice.details.get("domiciliation_id", 0)))  # type: ignore[arg-type]
    if dom is None or dom.fin is None or dom.status is not DomiciliationStatus.VALIDE:
        return None
    return domiciliation_message(dom.fin, structure, place), []


def _close(notice: Notification, status: str, now: dt.datetime, reason: str) -> None:
    notice.status, notice.cancelled_at, notice.cancel_reason, notice.claimed_at = status, now, reason, None


def _deliver(env: JobEnv, claimed: _Claimed, now: dt.datetime, summary: SendSummary) -> None:
    from notify import send

    problem: str | None = None
    permanent = False  # no provider for the channel: failed at once, an agent retries once it is configured
    try:
        send(
            env.settings.notify,
            claimed.recipient,
            subject=claimed.message.subject,
            text=claimed.message.text,
            providers=env.providers,
        )
    except NotConfigured as exc:
        problem, permanent = str(exc), True
    except NotifyError as exc:
        problem = str(exc)
    except Exception as exc:  # noqa: BLE001 - a provider bug must not lose the notice: retried like a failure
        problem = t("notify.unexpected", reason=type(exc).__name__)
    with env.sessions.begin() as session:
        notice = session.get(Notification, claimed.notice_id)
        assert notice is not None
        notice.attempts += 1
        notice.claimed_at = None
        target = f"usager:{claimed.usager_id}"
        details: dict[str, object] = {"notification": notice.id, "channel": notice.channel, "purpose": notice.purpose}
        if problem is None:
            notice.status, notice.sent_at, notice.last_error, notice.next_attempt_at = notices.SENT, now, None, None
            if claimed.item_ids:
                session.execute(
                    update(MailItem)
                    .where(MailItem.id.in_(claimed.item_ids), MailItem.status == MailStatus.RECU)
                    .values(status=MailStatus.NOTIFIE)
                )
            record(session, ACTOR, "notification.sent", target, {**details, "letters": len(claimed.item_ids)})
            summary.sent += 1
            return
        notice.last_error = problem
        policy = env.settings.lifecycle
        if permanent or notice.attempts >= policy.retry_attempts:
            notice.status, notice.next_attempt_at = notices.FAILED, None
            record(session, ACTOR, "notification.failed", target, {**details, "attempts": notice.attempts})
            summary.failed += 1
        else:
            delay = dt.timedelta(minutes=policy.retry_base_minutes * 2 ** (notice.attempts - 1))
            notice.status, notice.next_attempt_at = notices.PENDING, now + delay
            record(session, ACTOR, "notification.retry", target, {**details, "attempts": notice.attempts})
            summary.retried += 1
        log.warning("notice %d not sent (attempt %d)", notice.id, notice.attempts)


def retry_now(session: Session, notice_id: int, now: dt.datetime, *, actor: str) -> Notification:
    """An agent asks to try a failed (or waiting) notice again now, with a fresh set of attempts."""
    notice = session.get(Notification, notice_id)
    if notice is None or notice.status not in (notices.FAILED, notices.PENDING):
        raise notices.NoticeError("notification.not_retryable")
    notice.status, notice.attempts, notice.next_attempt_at = notices.PENDING, 0, now
    notice.due_at = min(notice.due_at, now)
    record(session, actor, "notification.retry_asked", f"usager:{notice.usager_id}", {"notification": notice.id})
    return notice
