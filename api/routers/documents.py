"""Opening a stored document: streamed from the coffre-fort, decrypted on the fly, the read journaled."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from archive.vault import Vault
from registry.i18n import t
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
    object_id, mime, title = int(document.storage_key), document.mime_type, f"document-{document.id}"
    session.commit()  # the vault journals the read in its own transaction
    chunks = store.read(
        object_id, actor=principal.actor, reason=f"{t('document.reason.console')} (document {document_id})"
    )
    extension = ".pdf" if mime == "application/pdf" else ""
    return StreamingResponse(
        chunks,
        media_type=mime,
        headers={
            "Content-Disposition": f'inline; filename="{title}{extension}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
