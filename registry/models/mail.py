"""Incoming mail items (courrier) and documents whose bytes live in the coffre-fort."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, str_enum, utcnow
from .enums import MailKind, MailStatus, RemiseTo


class Document(Base):
    """Metadata of one stored document; the bytes are in the coffre-fort, never here."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    usager_id: Mapped[int | None] = mapped_column(ForeignKey("usagers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(100))
    storage_key: Mapped[str] = mapped_column(String(300))
    version_id: Mapped[str | None] = mapped_column(String(200))
    retention_until: Mapped[dt.date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailItem(Base):
    """One piece of incoming mail, from reception to remise or return to sender."""

    __tablename__ = "mail_items"
    __table_args__ = (
        Index("ix_mail_items_usager_status", "usager_id", "status"),
        # Mail still waiting (a few % of all mail): the kiosk's and the counter's lookups read only this index.
        Index(
            "ix_mail_items_open",
            "usager_id",
            "kind",
            postgresql_where=text("status IN ('recu', 'notifie')"),
            sqlite_where=text("status IN ('recu', 'notifie')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id"))
    usager_id: Mapped[int | None] = mapped_column(ForeignKey("usagers.id"))  # null while in review
    kind: Mapped[MailKind] = mapped_column(str_enum(MailKind, "mail_kind"), default=MailKind.LETTRE)
    sender: Mapped[str | None] = mapped_column(String(300))
    sender_org: Mapped[str | None] = mapped_column(String(64))
    addressee_key: Mapped[str | None] = mapped_column(String(400))  # the addressee as read, normalised
    urgent: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus, "mail_status"), default=MailStatus.EN_REVUE)
    match_confidence: Mapped[float | None] = mapped_column(Float)
    candidates: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    scan_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_reminder_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    remise_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    remise_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    remise_to: Mapped[RemiseTo | None] = mapped_column(str_enum(RemiseTo, "remise_to"))
    procuration_id: Mapped[int | None] = mapped_column(ForeignKey("procurations.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    return_marked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # uncollected after the reminders
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str | None] = mapped_column(String(32))  # non_reclame (after reminders), inconnu (review)

    scan_document: Mapped[Document | None] = relationship()


class MatchFeedback(Base):
    """An agent's decision on a mail item's addressee; sender history breaks later ties."""

    __tablename__ = "match_feedback"
    __table_args__ = (Index("ix_match_feedback_name", "structure_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id"))
    mail_item_id: Mapped[int | None] = mapped_column(ForeignKey("mail_items.id"))
    name_key: Mapped[str] = mapped_column(String(400))  # the addressee as read, normalised
    sender_key: Mapped[str | None] = mapped_column(String(300))  # the sender, normalised
    usager_id: Mapped[int | None] = mapped_column(ForeignKey("usagers.id"))  # None: "inconnu"
    outcome: Mapped[str] = mapped_column(String(16))  # confirmed | corrected | inconnu
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
