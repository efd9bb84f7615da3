"""The lifecycle's records: batched notifications to usagers and their letters, agents' one-time codes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Notification(Base):
    """One message to a usager (SMS or e-mail), due at a slot; `dedupe_key` makes each one unique.

    Mail notices are keyed by usager and day (at most one a day, whatever the number of letters);
    domiciliation-end reminders by domiciliation and step. The text never names a sender.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    usager_id: Mapped[int] = mapped_column(ForeignKey("usagers.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # courrier | domiciliation
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # pending | sending | sent | cancelled (mail handed over first) | skipped (no channel) | failed (retries spent)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    channel: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)  # the provider's error, never an address
    text: Mapped[str | None] = mapped_column(Text)  # what was sent (counts and the structure, no personal data)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationItem(Base):
    """A letter told about in a notification: its arrival or its n-th reminder, each once (unique per letter)."""

    __tablename__ = "notification_items"
    __table_args__ = (UniqueConstraint("mail_item_id", "step"),)

    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), primary_key=True)
    mail_item_id: Mapped[int] = mapped_column(ForeignKey("mail_items.id"), primary_key=True)
    step: Mapped[str] = mapped_column(String(16))  # arrivee | rappel1 | rappel2 | …


class AgentCode(Base):
    """A one-time code e-mailed to an agent before a sensitive action (statistics export); digest only."""

    __tablename__ = "agent_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
