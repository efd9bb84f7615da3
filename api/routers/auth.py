"""Log-in and log-out of agents (secure session cookie, CSRF-protected forms, lockout)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from registry.i18n import t
from registry.services.auth import AuthError, Principal, log_in, log_out

from ..deps import db
from ..policy import (
    ANY_AGENT,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    login_csrf_ok,
    login_csrf_token,
    public,
    secure_cookies,
    set_login_csrf,
)
from ..templating import render

router = APIRouter(tags=["auth"])


def _safe_next(value: str) -> str:
    """Only local paths: never redirect to another site after log-in."""
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


@router.get("/login", response_class=HTMLResponse, dependencies=[Depends(public)], summary="Formulaire de connexion")
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    token = login_csrf_token(request)
    response = render(request, "login.html", next=_safe_next(next), login_csrf=token)
    _set_login_csrf(request, response, token)
    return response


@router.post("/login", dependencies=[Depends(public)], summary="Connexion d'un agent")
def login(
    request: Request,
    username: str = Form(max_length=64),
    password: str = Form(max_length=256),
    csrf_token: str = Form(default="", max_length=128),
    next: str = Form(default="/", max_length=500),
    session: Session = Depends(db),
) -> Response:
    if not login_csrf_ok(request, csrf_token):
        return _login_error(request, next, "ui.error.csrf", None)
    try:
        done = log_in(session, username, password, request.app.state.settings.api)
    except AuthError as exc:
        session.commit()  # keep the failure count and the journal entry
        return _login_error(request, next, None, exc.text())
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, done.token, httponly=True, samesite="strict", secure=secure_cookies(request), path="/"
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _login_error(request: Request, next_url: str, key: str | None, text: str | None) -> HTMLResponse:
    token = login_csrf_token(request)
    response = render(
        request, "login.html", status_code=400, next=_safe_next(next_url), login_csrf=token, error=text or t(key or "")
    )
    _set_login_csrf(request, response, token)
    return response


def _set_login_csrf(request: Request, response: Response, token: str) -> None:
    set_login_csrf(request, response, token, LOGIN_CSRF_COOKIE, "/login")


@router.post("/logout", summary="Déconnexion")
def logout(principal: Principal = Depends(ANY_AGENT), session: Session = Depends(db)) -> Response:
    log_out(session, principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", summary="Accueil : le courrier du jour, ou les liens du rôle de l'agent")
def home(request: Request, principal: Principal = Depends(ANY_AGENT)) -> Response:
    if request.app.state.nav_policies["counter"].admits(principal.role):
        return RedirectResponse("/courrier", status_code=303)
    return render(request, "home.html")
