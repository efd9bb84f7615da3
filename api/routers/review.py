"""The review queue: plis whose addressee Coffre was not sure of; the agent confirms, corrects or says 'inconnu'."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from archive.vault import Vault
from classifier import review as review_service
from classifier.labels import MAIL_KINDS, SENDER_ORGS
from classifier.training import found_class
from ingest.crop import address_crop_png
from ingest.status import address_read
from registry.i18n import t
from registry.models import MailItem
from registry.services.auth import Principal
from registry.services.usagers import by_numero

from ..access import NotFound, document_of
from ..deps import db, vault
from ..params import MAX_ID, ObjectId
from ..policy import COUNTER
from ..templating import render

router = APIRouter(tags=["revue"])


class CandidateOut(BaseModel):
    usager_id: int
    numero: str
    display_name: str
    score: float
    reasons: list[str]
    date_naissance: dt.date | None
    homonyms: int
    recent_senders: list[str]


class ReviewItemOut(BaseModel):
    item_id: int
    received_at: dt.datetime
    kind: str
    urgent: bool
    confidence: float | None
    candidates: list[CandidateOut]


def _out(item: review_service.QueueItem) -> ReviewItemOut:
    return ReviewItemOut(
        item_id=item.item_id,
        received_at=item.received_at,
        kind=item.kind.value,
        urgent=item.urgent,
        confidence=item.confidence,
        candidates=[
            CandidateOut(
                usager_id=c.usager_id,
                numero=c.numero,
                display_name=c.display_name,
                score=c.score,
                reasons=list(c.reasons),
                date_naissance=c.date_naissance,
                homonyms=c.homonyms,
                recent_senders=list(c.recent_senders),
            )
            for c in item.candidates
        ],
    )


@router.get("/revue", response_class=HTMLResponse, summary="File des plis à vérifier (page)")
def queue_page(
    request: Request, principal: Principal = Depends(COUNTER), session: Session = Depends(db)
) -> HTMLResponse:
    items = review_service.list_queue(session, principal.structure_id, limit=200)
    return render(request, "review_list.html", items=items)


@router.get("/api/revue", response_model=list[ReviewItemOut], summary="File des plis à vérifier (JSON)")
def queue_api(principal: Principal = Depends(COUNTER), session: Session = Depends(db)) -> list[ReviewItemOut]:
    return [_out(i) for i in review_service.list_queue(session, principal.structure_id, limit=200)]


@router.get("/revue/{item_id}", response_class=HTMLResponse, summary="Un pli à vérifier (page)")
def item_page(
    request: Request, item_id: ObjectId, principal: Principal = Depends(COUNTER), session: Session = Depends(db)
) -> Response:
    item = _queue_item(session, principal, item_id)
    read = address_read(session, item_id)
    return render(
        request,
        "review_item.html",
        item=item,
        read=read,
        remaining=review_service.queue_count(session, principal.structure_id),
        mail=session.get(MailItem, item_id),
        found=found_class(session, item_id),
        sender_orgs=SENDER_ORGS,
        mail_kinds=MAIL_KINDS,
    )


@router.get("/revue/{item_id}/adresse.png", summary="Bloc adresse d'un pli (image, lecture journalisée)")
async def address_image(
    item_id: ObjectId,
    principal: Principal = Depends(COUNTER),
    session: Session = Depends(db),
    store: Vault = Depends(vault),
) -> Response:
    object_id, read = await run_in_threadpool(_scan_of, session, principal, item_id)
    reason = f"{t('document.reason.review')} (courrier {item_id})"
    pdf = await run_in_threadpool(store.read_bytes, object_id, actor=principal.actor, reason=reason)
    png = await run_in_threadpool(address_crop_png, pdf, read)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})


def _scan_of(session: Session, principal: Principal, item_id: ObjectId):  # type: ignore[no-untyped-def]
    item = session.get(MailItem, item_id)
    if item is None or item.structure_id != principal.structure_id or item.scan_document_id is None:
        raise NotFound("review.item_not_found", item_id=item_id)
    document = document_of(session, principal, item.scan_document_id)
    object_id, read = int(document.storage_key), address_read(session, item_id)
    session.commit()  # the vault journals the read in its own transaction
    return object_id, read


@router.post("/revue/{item_id}/confirmer", summary="Attribuer le pli à un usager proposé")
def confirm(
    item_id: ObjectId,
    usager_id: int = Form(ge=1, le=MAX_ID),
    principal: Principal = Depends(COUNTER),
    session: Session = Depends(db),
) -> Response:
    _queue_item(session, principal, item_id)
    review_service.confirm(session, item_id, usager_id, actor=principal.actor, actor_id=principal.user_id)
    return _next(session, principal, item_id, "flash.review.confirmed")


@router.post("/revue/{item_id}/autre", summary="Attribuer le pli à un autre usager (n° de dossier)")
def confirm_other(
    item_id: ObjectId,
    numero: str = Form(max_length=32),
    principal: Principal = Depends(COUNTER),
    session: Session = Depends(db),
) -> Response:
    _queue_item(session, principal, item_id)
    usager = by_numero(session, principal.structure_id, numero.strip())
    if usager is None:
        raise NotFound("usager.not_found", numero=numero.strip())
    review_service.confirm(session, item_id, usager.id, actor=principal.actor, actor_id=principal.user_id)
    return _next(session, principal, item_id, "flash.review.confirmed")


@router.post("/revue/{item_id}/inconnu", summary="Destinataire inconnu : retour à l'expéditeur")
def unknown(item_id: ObjectId, principal: Principal = Depends(COUNTER), session: Session = Depends(db)) -> Response:
    _queue_item(session, principal, item_id)
    review_service.mark_unknown(session, item_id, actor=principal.actor, actor_id=principal.user_id)
    return _next(session, principal, item_id, "flash.review.unknown")


def _queue_item(session: Session, principal: Principal, item_id: ObjectId) -> review_service.QueueItem:
    try:
        return review_service.queue_item(session, principal.structure_id, item_id)
    except review_service.ReviewError as exc:
        if exc.key == "review.item_not_found":
            raise NotFound(exc.key, **exc.params) from exc
        raise


def _next(session: Session, principal: Principal, item_id: ObjectId, flash: str) -> Response:
    following = review_service.next_in_queue(session, principal.structure_id, after_item_id=item_id)
    target = f"/revue/{following}" if following is not None else "/revue"
    return RedirectResponse(f"{target}?msg={flash}", status_code=303)
