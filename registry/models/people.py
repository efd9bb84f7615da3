"""The structure, its agents (users), its usagers, their cards and procurations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, str_enum, utcnow
from .enums import Channel, Role, Sexe


class Structure(Base):
    """The organisme domiciliataire (CCAS or approved association)."""

    __tablename__ = "structures"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    service: Mapped[str] = mapped_column(String(200), default="")
    address_lines: Mapped[list[str]] = mapped_column(JSON, default=list)
    postcode: Mapped[str] = mapped_column(String(10))
    town: Mapped[str] = mapped_column(String(100))
    agrement_number: Mapped[str] = mapped_column(String(64), default="")
    prefecture: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    responsable: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    """An agent of the structure who logs in to the console."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id"))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Usager(Base):
    """A person domiciled (or asking to be) at the structure."""

    __tablename__ = "usagers"
    __table_args__ = (
        UniqueConstraint("structure_id", "numero"),
        Index("ix_usagers_name_key", "structure_id", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id"))
    numero: Mapped[str] = mapped_column(String(32))
    nom: Mapped[str] = mapped_column(String(120))
    prenoms: Mapped[str] = mapped_column(String(200), default="")
    nom_usage: Mapped[str | None] = mapped_column(String(120))
    surnom: Mapped[str | None] = mapped_column(String(120))
    sexe: Mapped[Sexe | None] = mapped_column(str_enum(Sexe, "sexe"))
    date_naissance: Mapped[dt.date | None] = mapped_column(Date)
    lieu_naissance: Mapped[str | None] = mapped_column(String(200))
    nationalite: Mapped[str | None] = mapped_column(String(100))
    telephone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"), default=Channel.SMS)
    referent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Normalised "nom prenoms" (see registry.names.name_key) for homonym checks and lookup.
    name_key: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_contact_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # RGPD purge: personal data erased

    cards: Mapped[list[Card]] = relationship(back_populates="usager", lazy="selectin")
    procurations: Mapped[list[Procuration]] = relationship(back_populates="usager")

    @property
    def display_name(self) -> str:
        return f"{self.nom.upper()} {self.prenoms}".strip()


class Card(Base):
    """A usager's magnetic card. Only the SHA-256 of its random token is stored."""

    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    usager_id: Mapped[int] = mapped_column(ForeignKey("usagers.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    usager: Mapped[Usager] = relationship(back_populates="cards")


class Procuration(Base):
    """A usager's authorisation for a mandataire to collect their mail."""

    __tablename__ = "procurations"

    id: Mapped[int] = mapped_column(primary_key=True)
    usager_id: Mapped[int] = mapped_column(ForeignKey("usagers.id"), index=True)
    mandataire_nom: Mapped[str] = mapped_column(String(120))
    mandataire_prenoms: Mapped[str] = mapped_column(String(200), default="")
    mandataire_date_naissance: Mapped[dt.date | None] = mapped_column(Date)
    mandataire_piece: Mapped[str | None] = mapped_column(String(200))  # identity document reference
    debut: Mapped[dt.date] = mapped_column(Date)
    fin: Mapped[dt.date] = mapped_column(Date)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    usager: Mapped[Usager] = relationship(back_populates="procurations")

    def is_valid_on(self, day: dt.date) -> bool:
        return self.revoked_at is None and self.debut <= day <= self.fin
