"""Domiciliations, their status history, and the commission's decisions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, str_enum, utcnow
from .enums import DecisionOutcome, DomiciliationStatus, DomiciliationType


class Domiciliation(Base):
    """One election of domicile (first or renewal) and its current status."""

    __tablename__ = "domiciliations"

    id: Mapped[int] = mapped_column(primary_key=True)
    usager_id: Mapped[int] = mapped_column(ForeignKey("usagers.id"), index=True)
    type: Mapped[DomiciliationType] = mapped_column(str_enum(DomiciliationType, "domiciliation_type"))
    status: Mapped[DomiciliationStatus] = mapped_column(
        str_enum(DomiciliationStatus, "domiciliation_status"), default=DomiciliationStatus.INSTRUCTION
    )
    debut: Mapped[dt.date | None] = mapped_column(Date)
    fin: Mapped[dt.date | None] = mapped_column(Date)
    motif_demande: Mapped[str | None] = mapped_column(Text)  # why the person asks (statistics)
    motif_status: Mapped[str | None] = mapped_column(Text)  # motif of the current status (refus, radiation)
    orientation: Mapped[str | None] = mapped_column(String(200))  # who referred the person
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    history: Mapped[list[StatusChange]] = relationship(
        back_populates="domiciliation", order_by="StatusChange.id", lazy="selectin"
    )
    decisions: Mapped[list[Decision]] = relationship(back_populates="domiciliation", order_by="Decision.id")


class StatusChange(Base):
    """One change of a domiciliation's status: who, when, why."""

    __tablename__ = "domiciliation_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    domiciliation_id: Mapped[int] = mapped_column(ForeignKey("domiciliations.id"), index=True)
    from_status: Mapped[DomiciliationStatus | None] = mapped_column(str_enum(DomiciliationStatus, "from_status"))
    to_status: Mapped[DomiciliationStatus] = mapped_column(str_enum(DomiciliationStatus, "to_status"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)

    domiciliation: Mapped[Domiciliation] = relationship(back_populates="history")


class Decision(Base):
    """The commission's decision on a domiciliation request."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    domiciliation_id: Mapped[int] = mapped_column(ForeignKey("domiciliations.id"), index=True)
    outcome: Mapped[DecisionOutcome] = mapped_column(str_enum(DecisionOutcome, "decision_outcome"))
    motif: Mapped[str | None] = mapped_column(Text)
    orientation: Mapped[str | None] = mapped_column(String(300))  # refus: an organisme that can domicile the person
    commission_date: Mapped[dt.date] = mapped_column(Date)
    signed_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    domiciliation: Mapped[Domiciliation] = relationship(back_populates="decisions")
    deciders: Mapped[list[DecisionDecider]] = relationship(
        order_by="DecisionDecider.position", lazy="selectin", cascade="all, delete-orphan"
    )


class DecisionDecider(Base):
    """A commission member who decides (and, in that order, signs) a decision."""

    __tablename__ = "decision_deciders"

    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class DecisionSignature(Base):
    """A commission member's signature on a decision; the unique position enforces the order under concurrency."""

    __tablename__ = "decision_signatures"
    __table_args__ = (UniqueConstraint("decision_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # as DecisionDecider.position (0 first)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    object_id: Mapped[int | None] = mapped_column(Integer)  # vault object of the revision (None while signing)
