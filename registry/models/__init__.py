"""ORM models of the register (SQLAlchemy 2.0 typed mappings), apart from any API schema."""

from __future__ import annotations

from .access import AgentSession, KioskDevice
from .archive import DataKey, DestructionProof, JournalSeal, VaultObject
from .audit import AuditEvent, AuditHead
from .base import Base, utcnow
from .domiciliation import Decision, DecisionDecider, DecisionSignature, Domiciliation, StatusChange
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
from .ingest import IngestJob, IngestResult
from .lifecycle import AgentCode, Notification, NotificationItem
from .mail import Document, MailItem, MatchFeedback
from .people import Card, Procuration, Structure, Usager, User
from .usager_access import KioskLookupCount, UsagerAccount, UsagerOtp, UsagerSession

__all__ = [
    "OPEN_MAIL_STATUSES",
    "AgentCode",
    "AgentSession",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Card",
    "Channel",
    "DataKey",
    "Decision",
    "DecisionDecider",
    "DecisionOutcome",
    "DecisionSignature",
    "DestructionProof",
    "Document",
    "Domiciliation",
    "DomiciliationStatus",
    "DomiciliationType",
    "IngestJob",
    "IngestResult",
    "JournalSeal",
    "KioskDevice",
    "KioskLookupCount",
    "MailItem",
    "MailKind",
    "MailStatus",
    "MatchFeedback",
    "Notification",
    "NotificationItem",
    "Procuration",
    "RemiseTo",
    "Role",
    "Sexe",
    "StatusChange",
    "Structure",
    "User",
    "VaultObject",
    "Usager",
    "UsagerAccount",
    "UsagerOtp",
    "UsagerSession",
    "utcnow",
]
