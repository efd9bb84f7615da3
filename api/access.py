"""Objects an agent may reach: everything looked up by id is checked against the agent's structure."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.i18n import CoffreError
from registry.models import Document, MailItem, Usager
from registry.services.auth import Principal


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
