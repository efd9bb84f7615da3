"""The ingest pipeline's records: one job per scanned file, one result per item it produced."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class IngestJob(Base):
    """A file taken from a hot folder (or given on the command line), from take to notify."""

    __tablename__ = "ingest_jobs"
    __table_args__ = (Index("ix_ingest_jobs_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_name: Mapped[str] = mapped_column(String(300))  # the file name as given, without directories
    source_path: Mapped[str] = mapped_column(Text)  # where it was taken from (relative to its hot folder)
    folder_kind: Mapped[str] = mapped_column(String(32))  # courrier | justificatifs | autre
    hint_numero: Mapped[str | None] = mapped_column(String(32))  # from justificatifs/<numero>/
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|done|quarantined|duplicate
    stage: Mapped[str | None] = mapped_column(String(32))  # last completed stage
    state: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)  # outputs stages need on resume
    raw_object_id: Mapped[int | None] = mapped_column(ForeignKey("vault_objects.id"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_jobs.id"))
    reason_key: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)  # readable by an agent
    quarantine_path: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class IngestResult(Base):
    """One mail item or document produced by a job (a file may hold several)."""

    __tablename__ = "ingest_results"
    __table_args__ = (UniqueConstraint("job_id", "item_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("ingest_jobs.id"), index=True)
    item_index: Mapped[int] = mapped_column(Integer)
    first_page: Mapped[int] = mapped_column(Integer)  # 1-based
    page_count: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # assigned | review | unmatched
    usager_id: Mapped[int | None] = mapped_column(ForeignKey("usagers.id"))
    confidence: Mapped[float | None] = mapped_column(Float)
    candidates: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    object_id: Mapped[int | None] = mapped_column(ForeignKey("vault_objects.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    mail_item_id: Mapped[int | None] = mapped_column(ForeignKey("mail_items.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
