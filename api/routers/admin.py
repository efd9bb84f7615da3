"""Administration: agents and their roles, kiosks (bornes) and their keys."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from registry.audit import record
from registry.models import Role
from registry.services import kiosks as kiosk_service
from registry.services import mail as mail_service
from registry.services import users as user_service
from registry.services.auth import Principal, end_sessions
from registry.services.presence import lookup_counts

from ..deps import db
from ..params import ObjectId
from ..policy import ADMIN
from ..templating import render

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/agents", response_class=HTMLResponse, summary="Agents et rôles (page)")
def agents_page(
    request: Request, principal: Principal = Depends(ADMIN), session: Session = Depends(db)
) -> HTMLResponse:
    return render(
        request, "admin_agents.html", users=user_service.list_users(session, principal.structure_id), roles=list(Role)
    )


@router.post("/agents", summary="Créer un compte d'agent")
def create_agent(
    username: str = Form(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9._-]+$"),
    full_name: str = Form(default="", max_length=200),
    email: str = Form(default="", max_length=200),
    role: Role = Form(),
    password: str = Form(max_length=256),
    principal: Principal = Depends(ADMIN),
    session: Session = Depends(db),
) -> Response:
    user_service.create_user(
        session, principal.structure_id, username, password, role, full_name=full_name.strip(), email=email.strip(),
        actor=principal.actor,
    )  # fmt: skip
    return RedirectResponse("/admin/agents?msg=flash.user.created", status_code=303)


@router.post("/agents/{user_id}", summary="Changer le rôle d'un agent ou le (dés)activer")
def update_agent(
    user_id: ObjectId,
    role: Role = Form(),
    active: bool = Form(default=False),
    password: str = Form(default="", max_length=256),
    email: str | None = Form(default=None, max_length=200),
    principal: Principal = Depends(ADMIN),
    session: Session = Depends(db),
) -> Response:
    user = user_service.user_in(session, principal.structure_id, user_id)
    if email is not None and email.strip() != user.email:  # where the agent receives one-time codes (exports)
        user.email = email.strip()
        record(session, principal.actor, "user.email", f"user:{user.id}", {})
    changed_access = user.role is not role or user.active != active
    user_service.update_user(session, user, role=role, active=active, actor=principal.actor)
    if password:
        user_service.reset_password(session, user, password, actor=principal.actor)
    if changed_access or password:
        end_sessions(session, user.id)
    return RedirectResponse("/admin/agents?msg=flash.user.updated", status_code=303)


@router.get("/bornes", response_class=HTMLResponse, summary="Bornes (page)")
def kiosks_page(
    request: Request, principal: Principal = Depends(ADMIN), session: Session = Depends(db)
) -> HTMLResponse:
    return _kiosks_page(request, session, principal.structure_id)


@router.post("/bornes", response_class=HTMLResponse, summary="Enregistrer une borne (sa clé est affichée une fois)")
def create_kiosk(
    request: Request,
    name: str = Form(max_length=100),
    principal: Principal = Depends(ADMIN),
    session: Session = Depends(db),
) -> HTMLResponse:
    new = kiosk_service.register_kiosk(
        session, principal.structure_id, name, actor=principal.actor, actor_id=principal.user_id
    )
    return _kiosks_page(request, session, principal.structure_id, new_key=new.key)


def _kiosks_page(request: Request, session: Session, structure_id: int, new_key: str | None = None) -> HTMLResponse:
    kiosks = kiosk_service.list_kiosks(session, structure_id)
    today = mail_service.today()
    ids = [k.id for k in kiosks]
    stats = {
        "today": lookup_counts(session, ids, today),
        "month": lookup_counts(session, ids, today - dt.timedelta(days=30)),
    }
    return render(request, "admin_kiosks.html", kiosks=kiosks, new_key=new_key, stats=stats)


@router.post("/bornes/{kiosk_id}/revoquer", summary="Révoquer une borne")
def revoke_kiosk(kiosk_id: ObjectId, principal: Principal = Depends(ADMIN), session: Session = Depends(db)) -> Response:
    kiosk_service.revoke_kiosk(session, principal.structure_id, kiosk_id, actor=principal.actor)
    return RedirectResponse("/admin/bornes?msg=flash.kiosk.revoked", status_code=303)
