"""The scanner line as agents see it: progress of the pipeline and files set aside in quarantine."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.context import Services
from ingest.pipeline import reset_for_retry
from ingest.status import STAGE_NAMES, pipeline_status
from registry.models import IngestJob
from registry.services.auth import Principal

from ..deps import db
from ..params import ObjectId
from ..policy import COUNTER
from ..templating import render

router = APIRouter(tags=["traitement"])


class PipelineOut(BaseModel):
    queued: int
    running: dict[str, int]
    done: int
    quarantined: int
    duplicate: int


class QuarantinedOut(BaseModel):
    job_id: int
    file: str
    reason: str | None
    reason_key: str | None
    at: dt.datetime | None


@router.get("/traitement", response_class=HTMLResponse, summary="Avancement du traitement des scans (page)")
def pipeline_page(
    request: Request, principal: Principal = Depends(COUNTER), session: Session = Depends(db)
) -> HTMLResponse:
    status = pipeline_status(session)
    template = "pipeline_panel.html" if request.headers.get("hx-request") else "pipeline.html"
    return render(request, template, status=status, stages=STAGE_NAMES)


@router.get("/api/traitement", response_model=PipelineOut, summary="Avancement du traitement des scans (JSON)")
def pipeline_api(principal: Principal = Depends(COUNTER), session: Session = Depends(db)) -> PipelineOut:
    return PipelineOut(**pipeline_status(session).to_json())  # type: ignore[arg-type]


def _quarantined(session: Session) -> list[QuarantinedOut]:
    jobs = session.scalars(
        select(IngestJob).where(IngestJob.status == "quarantined").order_by(IngestJob.id.desc()).limit(500)
    )
    return [
        QuarantinedOut(job_id=j.id, file=j.source_name, reason=j.reason, reason_key=j.reason_key, at=j.finished_at)
        for j in jobs
    ]


@router.get("/quarantaine", response_class=HTMLResponse, summary="Fichiers en quarantaine (page)")
def quarantine_page(
    request: Request, principal: Principal = Depends(COUNTER), session: Session = Depends(db)
) -> HTMLResponse:
    return render(request, "quarantine.html", jobs=_quarantined(session))


@router.get("/api/quarantaine", response_model=list[QuarantinedOut], summary="Fichiers en quarantaine (JSON)")
def quarantine_api(principal: Principal = Depends(COUNTER), session: Session = Depends(db)) -> list[QuarantinedOut]:
    return _quarantined(session)


@router.post("/quarantaine/{job_id}/reessayer", summary="Remettre un fichier en quarantaine dans le traitement")
def retry(
    request: Request, job_id: ObjectId, principal: Principal = Depends(COUNTER), session: Session = Depends(db)
) -> Response:
    session.commit()  # the retry runs in its own transaction
    state = request.app.state
    reset_for_retry(
        Services(settings=state.settings, sessions=state.sessions, vault=state.vault()), job_id, actor=principal.actor
    )
    return RedirectResponse("/quarantaine?msg=flash.quarantine.retried", status_code=303)
