"""Objects an agent may reach: everything looked up by id is checked against the agent's structure."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.i18n import CoffreError
from registry.models import Decision, Document, Domiciliation, DomiciliationStatus, MailItem, Role, Usager
from registry.services.auth import Principal

MAIL_SCAN = "enveloppe"  # ingest's kind for envelope scans: mail secrecy keeps them from the commission


class NotFound(CoffreError):
    """An id that does not exist, or that belongs to another structure (indistinguishable on purpose)."""


def usager_of(session: Session, principal: Principal, usager_id: int) -> Usager:
    usager = session.get(Usager, usager_id)
    if usager is None or usager.structure_id != principal.structure_id:
        raise NotFound("usager.id_not_found", usager_id=usager_id)
    return usager


def document_of(session: Session, principal: Principal, document_id: int) -> Document:
    """A document of a usager of the agent's structure, or the scan of one of its mail items."""
    document = session.get(Document, document_id)
    structure_id = None
    if document is not None and document.usager_id is not None:
        owner = session.get(Usager, document.usager_id)
        structure_id = owner.structure_id if owner else None
    elif document is not None:
        structure_id = session.scalars(
            select(MailItem.structure_id).where(MailItem.scan_document_id == document.id)
        ).first()
    if document is None or structure_id != principal.structure_id:
        raise NotFound("document.not_found", document_id=document_id)
    return document


def commission_may_read(session: Session, document: Document) -> bool:
    """Commission members read only the documents of files before the commission (or a decision they sign)."""
    if document.usager_id is None or document.kind == MAIL_SCAN:
        return False
    awaiting = session.scalars(
        select(Domiciliation.id).where(
            Domiciliation.usager_id == document.usager_id, Domiciliation.status == DomiciliationStatus.ATTENTE_DECISION
        )
    ).first()
    if awaiting is not None:
        return True
    unsigned = session.scalars(
        select(Decision.id)
        .join(Domiciliation, Domiciliation.id == Decision.domiciliation_id)
        .where(
            Domiciliation.usager_id == document.usager_id,
            (Decision.signed_document_id.is_(None)) | (Decision.signed_document_id == document.id),
        )
    ).first()
    return unsigned is not None


def readable_document(session: Session, principal: Principal, document_id: int) -> Document:
    """document_of, narrowed for commission members by commission_may_read."""
    document = document_of(session, principal, document_id)
    if principal.role == Role.COMMISSION and not commission_may_read(session, document):
        raise NotFound("document.not_found", document_id=document_id)
    return document


def domiciliation_of(session: Session, principal: Principal, domiciliation_id: int) -> Domiciliation:
    dom = session.get(Domiciliation, domiciliation_id)
    owner = session.get(Usager, dom.usager_id) if dom else None
    if dom is None or owner is None or owner.structure_id != principal.structure_id:
        raise NotFound("commission.domiciliation_not_found", domiciliation_id=domiciliation_id)
    return dom


def decision_of(session: Session, principal: Principal, decision_id: int) -> Decision:
    decision = session.get(Decision, decision_id)
    dom = session.get(Domiciliation, decision.domiciliation_id) if decision else None
    owner = session.get(Usager, dom.usager_id) if dom else None
    if decision is None or owner is None or owner.structure_id != principal.structure_id:
        raise NotFound("signing.decision_not_found", decision_id=decision_id)
    return decision
