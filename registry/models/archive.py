"""The coffre-fort's records: stored object versions, data keys, destruction proofs, journal seals."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class DataKey(Base):
    """A per-owner AES-256 data key, stored only wrapped by a master key; destroyed to crypto-shred."""

    __tablename__ = "data_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), unique=True)  # "usager:42" or "structure:1"
    usager_id: Mapped[int | None] = mapped_column(ForeignKey("usagers.id"))
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)  # None once destroyed
    master_key_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class VaultObject(Base):
    """One stored version in the coffre-fort: what was deposited, by whom, and how long it is kept."""

    __tablename__ = "vault_objects"
    __table_args__ = (
        UniqueConstraint("key", "version_id"),
        Index("ix_vault_objects_usager", "usager_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    version_id: Mapped[str] = mapped_column(String(200))
    usager_id: Mapped[int | None] = mapped_column(ForeignKey("usagers.id"))
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    kind: Mapped[str] = mapped_column(String(64))
    mime_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    filename: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the plaintext
    size: Mapped[int] = mapped_column(BigInteger)
    stored_sha256: Mapped[str] = mapped_column(String(64))  # of the ciphertext as stored
    stored_size: Mapped[int] = mapped_column(BigInteger)
    meta: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    retention_until: Mapped[dt.date] = mapped_column(Date)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    depositor: Mapped[str] = mapped_column(String(100))
    deposited_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="stored")  # stored | destroyed | shredded
    last_checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    check_ok: Mapped[bool | None] = mapped_column(Boolean)
    check_detail: Mapped[str | None] = mapped_column(Text)


class DestructionProof(Base):
    """Evidence that an object was destroyed (deleted, or made unreadable by destroying its key)."""

    __tablename__ = "destruction_proofs"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("vault_objects.id"), index=True)
    key: Mapped[str] = mapped_column(String(300))
    version_id: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(32))  # deleted | crypto_shredded
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    destroyed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    storage_note: Mapped[str | None] = mapped_column(Text)  # e.g. version kept by the S3 until its lock ends


class JournalSeal(Base):
    """The journal's head written as a WORM object (daily and on demand), optionally timestamped."""

    __tablename__ = "journal_seals"

    id: Mapped[int] = mapped_column(primary_key=True)
    head_event_id: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int] = mapped_column(ForeignKey("vault_objects.id"))
    sealed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    timestamp_token: Mapped[bytes | None] = mapped_column(LargeBinary)  # RFC 3161, filled by signing/
