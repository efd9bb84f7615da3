"""Remise at the counter: find the usager (card or name), tick the open plis, hand them over and record it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from registry.models import RemiseTo
from registry.services import mail as mail_service
from registry.services import usagers as usager_service
from registry.services.auth import Principal
from registry.services.mail import MailError

from ..access import usager_of
from ..deps import db
from ..params import FormId, ObjectId
from ..policy import COUNTER
from ..templating import render

router = APIRouter(tags=["remise"])


@router.get("/remise", response_class=HTMLResponse, summary="Remise : chercher l'usager (page)")
def search_page(request: Request, principal: Principal = Depends(COUNTER)) -> HTMLResponse:
    return render(request, "remise_search.html", q="", found=[], counts={})


@router.post("/remise", response_class=HTMLResponse, summary="Remise : résultats de la recherche par nom")
def search(
    request: Request,
    q: str = Form(default="", max_length=100),
    principal: Principal = Depends(COUNTER),
    session: Session = Depends(db),
) -> HTMLResponse:
    """A POST, so that the names typed stay out of URLs (browser history, proxy logs)."""
    found = usager_service.search(session, principal.structure_id, q) if q.strip() else []
    counts = {u.id: usager_service.open_mail_count(session, u.id) for u in found}
    return render(request, "remise_search.html", q=q, found=found, counts=counts)


@router.post("/remise/carte", summary="Remise : lire la carte de l'usager")
def by_card(
    request: Request,
    token: str = Form(max_length=200),
    principal: Principal = Depends(COUNTER),
    session: Session = Depends(db),
) -> Response:
    usager = usager_service.by_card(session, token.strip())
    if usager is None or usager.structure_id != principal.structure_id:
        raise MailError("remise.unknown_card")
    return RedirectResponse(f"/remise/{usager.id}", status_code=303)


@router.get("/remise/{usager_id}", response_class=HTMLResponse, summary="Remise : le courrier en attente d'un usager")
def usager_page(
    request: Request, usager_id: ObjectId, principal: Principal = Depends(COUNTER), session: Session = Depends(db)
) -> HTMLResponse:
    usager = usager_of(session, principal, usager_id)
    items = mail_service.open_mail(session, usager.id)
    procurations = mail_service.valid_procurations(session, usager.id, mail_service.today())
    return render(request, "remise_usager.html", usager=usager, items=items, procurations=procurations)


@router.post("/remise/{usager_id}", summary="Remettre des plis à l'usager ou à son mandataire")
def hand_over(
    usager_id: ObjectId,
    items: list[FormId] = Form(default_factory=list),
    to: RemiseTo = Form(default=RemiseTo.USAGER),
    procuration_id: FormId | None = Form(default=None),
    principal: Principal = Depends(COUNTER),
    session: Session = Depends(db),
) -> Response:
    usager = usager_of(session, principal, usager_id)
    mail_service.hand_over(
        session, usager, items, to=to, procuration_id=procuration_id, actor=principal.actor, actor_id=principal.user_id
    )
    return RedirectResponse(f"/remise/{usager.id}?msg=flash.remise.done", status_code=303)
