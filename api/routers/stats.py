"""Statistics by period: figures and charts drawn on the server; CSV and XLSX exports behind a one-time code."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from notify import NotifyError, Recipient, send
from registry.audit import record
from registry.i18n import CoffreError, t
from registry.models import Channel, User, utcnow
from registry.services import agent_codes
from registry.services.auth import Principal
from stats import charts, export
from stats.figures import MAX_DAYS, Period, Report, compute, summary_rows

from ..deps import db
from ..policy import STATISTICS
from ..templating import render

router = APIRouter(prefix="/statistiques", tags=["statistiques"])
FORMATS = {"csv": (export.to_csv, export.CSV_TYPE), "xlsx": (export.to_xlsx, export.XLSX_TYPE)}


class PeriodError(CoffreError):
    pass


def _period(request: Request, du: dt.date | None, au: dt.date | None) -> Period:
    today = utcnow().astimezone(_tz(request)).date()
    end = au or today
    start = du or (end.replace(day=1) - dt.timedelta(days=335)).replace(day=1)  # the last twelve months
    if start > end:
        raise PeriodError("stats.period_order")
    if (end - start).days >= MAX_DAYS:
        raise PeriodError("stats.period_too_long")
    return Period(start, end)


def _tz(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.lifecycle.timezone)


def _report(request: Request, session: Session, principal: Principal, period: Period) -> Report:
    return compute(session, principal.structure_id, period, _tz(request))


@router.get("", response_class=HTMLResponse, summary="Statistiques d'une période (page)")
def stats_page(
    request: Request,
    du: dt.date | None = Query(default=None, description="premier jour (AAAA-MM-JJ)"),
    au: dt.date | None = Query(default=None, description="dernier jour (AAAA-MM-JJ)"),
    principal: Principal = Depends(STATISTICS),
    session: Session = Depends(db),
) -> HTMLResponse:
    period = _period(request, du, au)
    report = _report(request, session, principal, period)
    query = urlencode({"du": period.start.isoformat(), "au": period.end.isoformat()})
    return render(
        request, "stats.html", report=report, period=period, rows=summary_rows(report), query=query,
        charts=charts.CHARTS, formats=list(FORMATS),
    )  # fmt: skip


@router.get("/graphique.png", summary="Un graphique de la période (PNG dessiné sur le serveur)")
async def chart(
    request: Request,
    name: str = Query(alias="nom", max_length=20, description="courrier, decisions ou borne"),
    du: dt.date | None = Query(default=None),
    au: dt.date | None = Query(default=None),
    principal: Principal = Depends(STATISTICS),
    session: Session = Depends(db),
) -> Response:
    if name not in charts.CHARTS:
        raise CoffreError("stats.chart_not_found")
    period = _period(request, du, au)
    report = await run_in_threadpool(_report, request, session, principal, period)
    png = await run_in_threadpool(charts.render, report, name)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})


@router.post("/export/code", summary="Recevoir par e-mail le code d'export")
def ask_code(
    request: Request,
    du: dt.date = Form(),
    au: dt.date = Form(),
    format: str = Form(pattern="^(csv|xlsx)$"),
    principal: Principal = Depends(STATISTICS),
    session: Session = Depends(db),
) -> Response:
    period = _period(request, du, au)
    user = session.get(User, principal.user_id)
    assert user is not None
    settings = request.app.state.settings
    code = agent_codes.issue(session, user, agent_codes.EXPORT, settings.lifecycle, utcnow())
    session.commit()  # the code is stored before it leaves
    text = t("agent_code.email.text", code=code, minutes=settings.lifecycle.export_code_minutes)
    try:
        send(settings.notify, Recipient(Channel.EMAIL, user.email), subject=t("agent_code.email.subject"), text=text)
    except NotifyError as exc:
        record(session, principal.actor, "agent_code.failed", f"user:{user.id}", {"error": exc.key})
        session.commit()
        raise
    query = urlencode({"du": period.start.isoformat(), "au": period.end.isoformat(), "format": format})
    return RedirectResponse(f"/statistiques/export?{query}&msg=flash.stats.code_sent", status_code=303)


@router.get("/export", response_class=HTMLResponse, summary="Saisir le code d'export (page)")
def code_page(
    request: Request,
    du: dt.date = Query(),
    au: dt.date = Query(),
    format: str = Query(pattern="^(csv|xlsx)$"),
    principal: Principal = Depends(STATISTICS),
) -> HTMLResponse:
    period = _period(request, du, au)
    return render(request, "stats_export.html", period=period, format=format)


@router.post("/export", summary="Télécharger l'export (CSV ou XLSX) avec le code reçu")
def download(
    request: Request,
    du: dt.date = Form(),
    au: dt.date = Form(),
    format: str = Form(pattern="^(csv|xlsx)$"),
    code: str = Form(max_length=12),
    principal: Principal = Depends(STATISTICS),
    session: Session = Depends(db),
) -> Response:
    period = _period(request, du, au)
    try:
        agent_codes.spend(
            session, principal.user_id, agent_codes.EXPORT, code, request.app.state.settings.lifecycle, utcnow()
        )
    except agent_codes.AgentCodeError:
        session.commit()  # the wrong try is counted
        raise
    report = _report(request, session, principal, period)
    writer, media_type = FORMATS[format]
    record(session, principal.actor, "stats.export", f"structure:{principal.structure_id}",
           {"format": format, "du": period.start.isoformat(), "au": period.end.isoformat()})  # fmt: skip
    name = f"statistiques-{period.start.isoformat()}-{period.end.isoformat()}.{format}"
    return Response(
        writer(report), media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
