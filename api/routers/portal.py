"""The usagers' portal (/portail…): first log-in with a one-time code, password log-in, mail waiting,
domiciliation end date, attestation and documents (downloads stream from the coffre-fort, journaled)."""

from __future__ import annotations

import datetime as dt
import logging
import re

from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

import notify
from archive.vault import Vault
from registry.i18n import t
from registry.models import Usager
from registry.services import portal as portal_service
from registry.services.mail import today
from registry.services.portal import IssuedCode, PortalError, UsagerPrincipal

from ..deps import db, vault
from ..params import ObjectId
from ..policy import (
    PORTAL_COOKIE,
    PORTAL_CSRF_COOKIE,
    USAGER,
    login_csrf_ok,
    login_csrf_token,
    public,
    secure_cookies,
    set_login_csrf,
)
from ..templating import render_portal
from .documents import stream_document

log = logging.getLogger(__name__)
router = APIRouter(tags=["portail"])

HOME = "/portail"
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DMY = re.compile(r"^(\d{1,2})[/. -](\d{1,2})[/. -](\d{4})$")


def _safe_next(value: str) -> str:
    """Only the portal's own pages after log-in."""
    return value if value.startswith(HOME) and not value.startswith("//") and "\\" not in value else HOME


def birth_date(text: str) -> dt.date | None:
    """JJ/MM/AAAA (or with dots, dashes, spaces), JJMMAAAA or AAAA-MM-JJ; None if it is not a date."""
    text = text.strip()
    if len(text) == 8 and text.isdigit():
        text = f"{text[:2]}/{text[2:4]}/{text[4:]}"
    match = _DMY.match(text)
    try:
        if match:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _form(request: Request, name: str, status_code: int = 200, **context: object) -> HTMLResponse:
    """A page with a form before log-in: a fresh double-submit CSRF token in a cookie and in the form."""
    token = login_csrf_token(request, PORTAL_CSRF_COOKIE)
    response = render_portal(request, name, status_code=status_code, login_csrf=token, **context)
    set_login_csrf(request, response, token, PORTAL_CSRF_COOKIE, HOME)
    return response


def _logged_in(request: Request, done: portal_service.PortalLogin, next_url: str = HOME) -> Response:
    response = RedirectResponse(_safe_next(next_url), status_code=303)
    # Lax, not Strict: the link of a notice is followed from the SMS or mail app (another site), and the usager
    # must land logged in. Cross-site writes still carry no cookie, and every write needs the page's CSRF token;
    # the portal's GETs only read (a document read is journaled).
    response.set_cookie(
        PORTAL_COOKIE, done.token, httponly=True, samesite="lax", secure=secure_cookies(request), path=HOME
    )
    response.delete_cookie(PORTAL_CSRF_COOKIE, path=HOME)
    return response


# -- log-in with a password --------------------------------------------------------------------------


@router.get(
    "/portail/connexion", response_class=HTMLResponse, dependencies=[Depends(public)], summary="Portail : connexion"
)
def login_form(request: Request, next: str = HOME) -> HTMLResponse:
    return _form(request, "portail_connexion.html", next=_safe_next(next))


@router.post("/portail/connexion", dependencies=[Depends(public)], summary="Portail : connexion d'un usager")
def login(
    request: Request,
    numero: str = Form(max_length=64),
    password: str = Form(max_length=256),
    csrf_token: str = Form(default="", max_length=128),
    next: str = Form(default=HOME, max_length=500),
    session: Session = Depends(db),
) -> Response:
    if not login_csrf_ok(request, csrf_token, PORTAL_CSRF_COOKIE):
        return _form(request, "portail_connexion.html", 400, next=_safe_next(next), error=t("ui.error.csrf"))
    try:
        done = portal_service.log_in(session, numero, password, request.app.state.settings.portal)
    except PortalError as exc:
        session.commit()  # keep the failure count and the journal entry
        return _form(request, "portail_connexion.html", 400, next=_safe_next(next), numero=numero, error=exc.text())
    return _logged_in(request, done, next)


# -- first log-in, forgotten password: a one-time code -----------------------------------------------


@router.get(
    "/portail/premiere-connexion",
    response_class=HTMLResponse,
    dependencies=[Depends(public)],
    summary="Portail : recevoir un code (première connexion, mot de passe oublié)",
)
def code_request_form(request: Request) -> HTMLResponse:
    return _form(request, "portail_premiere.html")


@router.post(
    "/portail/premiere-connexion",
    dependencies=[Depends(public)],
    summary="Portail : demander un code (même réponse que le dossier existe ou non)",
)
def request_code(
    request: Request,
    background: BackgroundTasks,
    numero: str = Form(max_length=64),
    date_naissance: str = Form(max_length=20),
    csrf_token: str = Form(default="", max_length=128),
    session: Session = Depends(db),
) -> Response:
    if not login_csrf_ok(request, csrf_token, PORTAL_CSRF_COOKIE):
        return _form(request, "portail_premiere.html", 400, numero=numero, error=t("ui.error.csrf"))
    born = birth_date(date_naissance)
    if born is None:
        return _form(request, "portail_premiere.html", 400, numero=numero, error=t("portal.bad_date"))
    issued = portal_service.request_code(session, numero, born, request.app.state.settings.portal)
    session.commit()
    if issued is not None:
        # Sent after the answer: the same answer, in the same time, whether or not a code left.
        background.add_task(deliver_code, request.app, issued)
    minutes = request.app.state.settings.portal.otp_minutes
    return _form(request, "portail_code.html", numero=numero.strip(), sent=True, minutes=minutes)


def deliver_code(app: FastAPI, issued: IssuedCode) -> None:
    """Send a one-time code by the usager's channel and journal the outcome (never the code or the address)."""
    settings = app.state.settings
    problem: str | None = None
    with app.state.sessions() as session:  # closed before sending: no transaction held during the network call
        usager = session.get(Usager, issued.usager_id)
        recipient = notify.recipient_of(usager) if usager is not None else None
    text = t(
        "portal.otp.text", structure=settings.structure.name, code=issued.code, minutes=settings.portal.otp_minutes
    )
    try:
        if recipient is None:
            raise notify.NotifyError("notify.no_channel")
        notify.send(settings.notify, recipient, subject=t("portal.otp.subject"), text=text)
    except notify.NotifyError as exc:
        problem = exc.key + (f" ({exc.params['reason']})" if "reason" in exc.params else "")
    except Exception as exc:  # a background task: nobody else would see it
        problem = type(exc).__name__
    if problem is not None:
        log.warning("one-time code %d not delivered by %s: %s", issued.otp_id, issued.channel, problem)
    with app.state.sessions.begin() as session:
        portal_service.record_delivery(session, issued, problem)


@router.get(
    "/portail/code", response_class=HTMLResponse, dependencies=[Depends(public)], summary="Portail : saisir le code"
)
def code_form(request: Request) -> HTMLResponse:
    return _form(request, "portail_code.html", numero="")


@router.post("/portail/code", dependencies=[Depends(public)], summary="Portail : code reçu et nouveau mot de passe")
def activate(
    request: Request,
    numero: str = Form(max_length=64),
    code: str = Form(max_length=32),
    password: str = Form(max_length=256),
    confirm: str = Form(max_length=256),
    csrf_token: str = Form(default="", max_length=128),
    session: Session = Depends(db),
) -> Response:
    if not login_csrf_ok(request, csrf_token, PORTAL_CSRF_COOKIE):
        return _form(request, "portail_code.html", 400, numero=numero, error=t("ui.error.csrf"))
    try:
        done = portal_service.activate(session, numero, code, password, confirm, request.app.state.settings.portal)
    except PortalError as exc:
        session.commit()  # keep the failure count and the journal entry
        return _form(request, "portail_code.html", 400, numero=numero, error=exc.text())
    return _logged_in(request, done)


# -- the usager's pages ------------------------------------------------------------------------------


def _hours(opening: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(t(f"ui.portal.day.{day}"), ", ".join(opening[day])) for day in _WEEKDAYS if opening.get(day)]


@router.get("/portail", response_class=HTMLResponse, summary="Portail : mon courrier, ma domiciliation, mes documents")
def home(
    request: Request, principal: UsagerPrincipal = Depends(USAGER), session: Session = Depends(db)
) -> HTMLResponse:
    view = portal_service.overview(session, principal.usager_id, today())
    hours = _hours(request.app.state.settings.structure.opening_hours)
    return render_portal(request, "portail_accueil.html", view=view, hours=hours)


@router.get(
    "/portail/documents/{document_id}", summary="Portail : télécharger un de mes documents (lecture journalisée)"
)
def download(
    document_id: ObjectId,
    principal: UsagerPrincipal = Depends(USAGER),
    session: Session = Depends(db),
    store: Vault = Depends(vault),
) -> StreamingResponse:
    document = portal_service.own_document(session, principal.usager_id, document_id)
    return stream_document(
        session, store, document, actor=principal.actor, reason=t("portal.document.reason"), disposition="attachment"
    )


@router.post("/portail/deconnexion", summary="Portail : déconnexion")
def logout(principal: UsagerPrincipal = Depends(USAGER), session: Session = Depends(db)) -> Response:
    portal_service.log_out(session, principal)
    response = RedirectResponse("/portail/connexion", status_code=303)
    response.delete_cookie(PORTAL_COOKIE, path=HOME)
    return response
