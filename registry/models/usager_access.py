"""How usagers come in: portal accounts, one-time codes, portal sessions, and kiosk lookup counters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class UsagerAccount(Base):
    """A usager's portal account: activated by a one-time code, then a password (argon2id hash)."""

    __tablename__ = "usager_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    usager_id: Mapped[int] = mapped_column(ForeignKey("usagers.id"), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None until the first log-in sets one
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class UsagerOtp(Base):
    """A one-time code sent by SMS or e-mail (first log-in, forgotten password); only a digest is stored."""

    __tablename__ = "usager_otps"

    id: Mapped[int] = mapped_column(primary_key=True)
    usager_id: Mapped[int] = mapped_column(ForeignKey("usagers.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # sms | email | guichet
    purpose: Mapped[str] = mapped_column(String(16), default="activation")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class UsagerSession(Base):
    """A usager logged in to the portal. Only the SHA-256 of the cookie's random token is stored."""

    __tablename__ = "usager_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    usager_id: Mapped[int] = mapped_column(ForeignKey("usagers.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class KioskLookupCount(Base):
    """Kiosk lookups per day, kiosk and outcome (the statistics); tokens are never stored."""

    __tablename__ = "kiosk_lookup_counts"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosk_devices.id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)  # mail | no_mail | unknown | limited
    count: Mapped[int] = mapped_column(Integer, default=0)
