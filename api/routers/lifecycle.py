"""The lifecycle's pages for agents: notices (SMS / e-mail) and their failures, the return list, renewals."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.return_pdf import render_return_list
from lifecycle.sender import retry_now
from registry.calendar import ServiceCalendar
from registry.models import Domiciliation, DomiciliationType, Structure, utcnow
from registry.models import DomiciliationStatus as S
from registry.services import notices, returns
from registry.services.auth import Principal
from registry.services.domiciliations import LifecycleError, open_request

from ..access import usager_of
from ..deps import db
from ..params import FormId, ObjectId
from ..policy import COUNTER, FILES
from ..templating import render

router = APIRouter(tags=["cycle de vie"])


@router.get("/envois", response_class=HTMLResponse, summary="SMS et e-mails aux usagers : prévus, en échec (page)")
def notices_page(
    request: Request, principal: Principal = Depends(COUNTER), session: Session = Depends(db)
) -> HTMLResponse:
    groups = notices.for_agents(session, principal.structure_id, utcnow())
    return render(request, "notices.html", groups=groups)


@router.post("/envois/{notice_id}/reessayer", summary="Relancer un envoi en échec")
def retry_notice(
    notice_id: ObjectId, principal: Principal = Depends(COUNTER), session: Session = Depends(db)
) -> Response:
    notice = notices.notice_in(session, principal.structure_id, notice_id)
    retry_now(session, notice.id, utcnow(), actor=principal.actor)
    return RedirectResponse("/envois?msg=flash.notices.retry", status_code=303)


@router.get("/courrier/retours", response_class=HTMLResponse, summary="Plis à renvoyer à l'expéditeur (page)")
def returns_page(
    request: Request, principal: Principal = Depends(COUNTER), session: Session = Depends(db)
) -> HTMLResponse:
    return render(request, "returns.html", rows=returns.return_list(session, principal.structure_id))


@router.get("/courrier/retours.pdf", summary="Liste des retours à imprimer (PDF A4)")
def returns_pdf(request: Request, principal: Principal = Depends(COUNTER), session: Session = Depends(db)) -> Response:
    rows = returns.return_list(session, principal.structure_id)
    structure = session.get(Structure, principal.structure_id)
    calendar = ServiceCalendar.from_settings(request.app.state.settings.lifecycle)
    pdf = render_return_list(rows, structure.name if structure else "", utcnow(), calendar.tz)
    headers = {"Content-Disposition": 'inline; filename="retours.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.post("/courrier/retours/confirmer", summary="Marquer des plis comme renvoyés à l'expéditeur")
def confirm_returns(
    items: list[FormId] = Form(default_factory=list),
    principal: Principal = Depends(COUNTER),
    session: Session = Depends(db),
) -> Response:
    returns.confirm_returned(session, principal.structure_id, items, utcnow(), actor=principal.actor)
    return RedirectResponse("/courrier/retours?msg=flash.returns.done", status_code=303)


@router.post("/usagers/{usager_id}/renouvellement", summary="Ouvrir une demande de renouvellement")
def open_renewal(
    usager_id: ObjectId, principal: Principal = Depends(FILES), session: Session = Depends(db)
) -> Response:
    usager = usager_of(session, principal, usager_id)
    pending = session.scalars(
        select(Domiciliation.id).where(
            Domiciliation.usager_id == usager.id,
            Domiciliation.status.in_((S.INSTRUCTION, S.ATTENTE_DECISION, S.AJOURNE)),
        )
    ).first()
    if pending is not None:
        raise LifecycleError("lifecycle.request_pending")
    open_request(
        session, usager, type_=DomiciliationType.RENOUVELLEMENT, actor=principal.actor, actor_id=principal.user_id
    )
    return RedirectResponse(f"/usagers/{usager.id}?msg=flash.renewal.opened", status_code=303)
