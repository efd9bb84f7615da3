"""ORM models of the register (SQLAlchemy 2.0 typed mappings), apart from any API schema."""

from __future__ import annotations

from .audit import AuditEvent, AuditHead
from .base import Base, utcnow
from .domiciliation import Decision, DecisionDecider, Domiciliation, StatusChange
from .enums import (
    OPEN_MAIL_STATUSES,
    Channel,
    DecisionOutcome,
    DomiciliationStatus,
    DomiciliationType,
    MailKind,
    MailStatus,
    RemiseTo,
    Role,
    Sexe,
)
from .mail import Document, MailItem
from .people import Card, Procuration, Structure, Usager, User

__all__ = [
    "OPEN_MAIL_STATUSES",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Card",
    "Channel",
    "Decision",
    "DecisionDecider",
    "DecisionOutcome",
    "Document",
    "Domiciliation",
    "DomiciliationStatus",
    "DomiciliationType",
    "MailItem",
    "MailKind",
    "MailStatus",
    "Procuration",
    "RemiseTo",
    "Role",
    "Sexe",
    "StatusChange",
    "Structure",
    "User",
    "Usager",
    "utcnow",
]
