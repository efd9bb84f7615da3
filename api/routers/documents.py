"""Opening a stored document: streamed from the coffre-fort, decrypted on the fly, the read journaled."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from archive.vault import Vault
from registry.i18n import t
from registry.models import Document
from registry.services.auth import Principal

from ..access import readable_document
from ..deps import db, vault
from ..params import ObjectId
from ..policy import DOCUMENTS

router = APIRouter(tags=["documents"])


@router.get("/documents/{document_id}", summary="Ouvrir un document (lecture journalisée)")
def open_document(
    request: Request,
    document_id: ObjectId,
    principal: Principal = Depends(DOCUMENTS),
    session: Session = Depends(db),
    store: Vault = Depends(vault),
) -> StreamingResponse:
    document = readable_document(session, principal, document_id)
    return stream_document(session, store, document, actor=principal.actor, reason=t("document.reason.console"))


def stream_document(
    session: Session, store: Vault, document: Document, *, actor: str, reason: str, disposition: str = "inline"
) -> StreamingResponse:
    """Stream a document from the coffre-fort, decrypted on the fly; the vault journals who read it and why."""
    object_id, mime, document_id = int(document.storage_key), document.mime_type, document.id
    session.commit()  # the vault journals the read in its own transaction
    chunks = store.read(object_id, actor=actor, reason=f"{reason} (document {document_id})")
    extension = ".pdf" if mime == "application/pdf" else ""
    return StreamingResponse(
        chunks,
        media_type=mime,
        headers={
            "Content-Disposition": f'{disposition}; filename="document-{document_id}{extension}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
