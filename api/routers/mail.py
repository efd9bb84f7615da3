"""Today's mail: every pli received on a day, its addressee and its state."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import MailStatus, Usager
from registry.services import mail as mail_service
from registry.services.auth import Principal

from ..deps import db
from ..policy import COUNTER
from ..templating import render

router = APIRouter(tags=["courrier"])


class MailRow(BaseModel):
    id: int
    received_at: dt.datetime
    status: MailStatus
    kind: str
    urgent: bool
    usager_id: int | None
    usager_numero: str | None
    usager_name: str | None
    sender: str | None
    document_id: int | None


def _rows(session: Session, structure_id: int, day: dt.date) -> list[MailRow]:
    items = mail_service.mail_of_day(session, structure_id, day)
    ids = {i.usager_id for i in items if i.usager_id}
    usagers = {u.id: u for u in session.scalars(select(Usager).where(Usager.id.in_(ids)))} if ids else {}
    return [
        MailRow(
            id=i.id,
            received_at=i.received_at,
            status=i.status,
            kind=i.kind.value,
            urgent=i.urgent,
            usager_id=i.usager_id,
            usager_numero=usagers[i.usager_id].numero if i.usager_id in usagers else None,
            usager_name=usagers[i.usager_id].display_name if i.usager_id in usagers else None,
            sender=i.sender,
            document_id=i.scan_document_id,
        )
        for i in items
    ]


@router.get("/courrier", response_class=HTMLResponse, summary="Courrier du jour (page)")
def mail_page(
    request: Request,
    jour: dt.date | None = Query(default=None, description="jour (AAAA-MM-JJ), aujourd'hui par défaut"),
    principal: Principal = Depends(COUNTER),
    session: Session = Depends(db),
) -> HTMLResponse:
    day = jour or mail_service.today()
    rows = _rows(session, principal.structure_id, day)
    counts = Counter(r.status for r in rows)
    return render(
        request,
        "mail.html",
        day=day,
        rows=rows,
        counts={
            "total": len(rows),
            "review": counts[MailStatus.EN_REVUE],
            "waiting": counts[MailStatus.RECU] + counts[MailStatus.NOTIFIE],
            "remis": counts[MailStatus.REMIS],
            "retourne": counts[MailStatus.RETOURNE],
        },
        previous=day - dt.timedelta(days=1),
        following=day + dt.timedelta(days=1),
    )


@router.get("/api/courrier", response_model=list[MailRow], summary="Courrier d'un jour (JSON)")
def mail_api(
    jour: dt.date | None = Query(default=None),
    principal: Principal = Depends(COUNTER),
    session: Session = Depends(db),
) -> list[MailRow]:
    return _rows(session, principal.structure_id, jour or mail_service.today())
