"""Server-rendered pages: Jinja2 with the French catalogue, the agent, the CSRF token and a flash message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from registry.i18n import CATALOGUES, DEFAULT_LANGUAGE, t
from registry.services.mail import LOCAL_TZ

from .policy import Policy

_TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _local(value: dt.datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return value.astimezone(LOCAL_TZ).strftime(fmt) if value else t("ui.none")


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else t("ui.none")


def _label(prefix: str, value: object) -> str:
    key = f"{prefix}.{getattr(value, 'value', value)}"
    return t(key) if key in CATALOGUES[DEFAULT_LANGUAGE] else str(value)


_TEMPLATES.env.globals.update(t=t, label=_label)
_TEMPLATES.env.filters.update(local=_local, date=_date)


def flash_of(request: Request) -> str | None:
    key = request.query_params.get("msg", "")
    return t(key) if key.startswith("flash.") and key in CATALOGUES[DEFAULT_LANGUAGE] else None


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    principal = getattr(request.state, "principal", None)
    nav_policies: dict[str, Policy] = request.app.state.nav_policies
    nav = [
        (href, label)
        for href, label, policy in (
            ("/courrier", "ui.nav.mail", "counter"),
            ("/revue", "ui.nav.review", "counter"),
            ("/remise", "ui.nav.remise", "counter"),
            ("/usagers", "ui.nav.usagers", "counter"),
            ("/quarantaine", "ui.nav.quarantine", "counter"),
            ("/traitement", "ui.nav.pipeline", "counter"),
            ("/envois", "ui.nav.notices", "counter"),
            ("/courrier/retours", "ui.nav.returns", "counter"),
            ("/statistiques", "ui.nav.stats", "statistics"),
            ("/commission", "ui.nav.commission", "commission"),
            ("/admin/agents", "ui.nav.admin_agents", "admin"),
            ("/admin/bornes", "ui.nav.admin_kiosks", "admin"),
        )
        if principal is not None and nav_policies[policy].admits(principal.role)
    ]
    base = {
        "principal": principal,
        "csrf": principal.csrf_token if principal else context.pop("login_csrf", ""),
        "flash": flash_of(request),
        "nav": nav,
        "path": request.url.path,
    }
    return _TEMPLATES.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def render_portal(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page of the usagers' portal: its own light layout, the usager's session (if any) and CSRF token."""
    usager = getattr(request.state, "usager", None)
    base = {
        "usager": usager,
        "csrf": usager.csrf_token if usager else context.pop("login_csrf", ""),
        "structure": request.app.state.settings.structure,
    }
    return _TEMPLATES.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    """The error page of the console, or of the portal for its own paths."""
    if request.url.path.startswith("/portail"):
        return render_portal(request, "portail_erreur.html", status_code=status_code, message=message)
    return render(request, "error.html", status_code=status_code, message=message)
