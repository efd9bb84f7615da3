"""Who may call what: one explicit policy per route, checked by a dependency the route declares."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from registry.models import Role
from registry.services.auth import Principal, resolve
from registry.services.portal import UsagerPrincipal
from registry.services.portal import resolve as resolve_usager

from .deps import db

SESSION_COOKIE = "coffre_session"
LOGIN_CSRF_COOKIE = "coffre_login_csrf"
PORTAL_COOKIE = "coffre_portail"  # the usagers' portal session, Path=/portail
PORTAL_CSRF_COOKIE = "coffre_portail_csrf"  # the portal's forms before log-in
PORTAL_LOGIN = "/portail/connexion"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
T = TypeVar("T")


@dataclass(frozen=True)
class Policy:
    """The roles a route admits (agents' roles, "usager" or "kiosk"); `None` for a public route."""

    roles: frozenset[str] | None
    name: str

    def admits(self, role: Role | str | None) -> bool:
        return self.roles is None or (role is not None and str(role) in self.roles)


class LoginRequired(Exception):
    """No live session: pages redirect to the log-in form (the console's or the portal's), the JSON API answers 401."""

    def __init__(self, next_url: str, login_path: str = "/login") -> None:
        super().__init__(next_url)
        self.next_url, self.login_path = next_url, login_path


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith("/api/")


async def _check_csrf(request: Request, expected: str) -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()  # Starlette keeps it: the handler's Form() parameters read the same one
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, expected):
        raise HTTPException(status_code=403, detail="csrf")


def allow(name: str, *roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting a live session whose agent has one of `roles` (and a CSRF token on writes)."""
    policy = Policy(frozenset(str(r) for r in roles), name)

    async def dependency(request: Request, session: Session = Depends(db)) -> Principal:
        token = request.cookies.get(SESSION_COOKIE, "")
        principal = await run_in_threadpool(
            _resolve_and_release, resolve, session, token, request.app.state.settings.api
        )
        if principal is None:
            raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        if not policy.admits(principal.role):
            raise HTTPException(status_code=403, detail="forbidden")
        await _check_csrf(request, principal.csrf_token)
        request.state.principal = principal
        return principal

    dependency.policy = policy  # type: ignore[attr-defined]
    return dependency


def _resolve_and_release(
    resolver: Callable[..., T | None], session: Session, token: str, session_settings: object
) -> T | None:
    principal = resolver(session, token, session_settings)
    session.commit()  # release SQLite's write lock before the handler runs
    return principal


def portal_only(name: str = "usager") -> Callable[..., Awaitable[UsagerPrincipal]]:
    """A dependency admitting a live portal session of a usager (and its CSRF token on writes).

    Its cookie is the portal's own: an agent's console session gives no access here, and a usager's
    portal session none to the console.
    """
    policy = Policy(frozenset({"usager"}), name)

    async def dependency(request: Request, session: Session = Depends(db)) -> UsagerPrincipal:
        token = request.cookies.get(PORTAL_COOKIE, "")
        principal = await run_in_threadpool(
            _resolve_and_release, resolve_usager, session, token, request.app.state.settings.portal
        )
        if principal is None:
            raise LoginRequired(request.url.path, PORTAL_LOGIN)
        await _check_csrf(request, principal.csrf_token)
        request.state.usager = principal
        return principal

    dependency.policy = policy  # type: ignore[attr-defined]
    return dependency


async def public(request: Request) -> None:
    """Marks a route as public (health, log-in, public verification)."""


public.policy = Policy(None, "public")  # type: ignore[attr-defined]


def policy_of(route: APIRoute) -> Policy | None:
    """The policy a route declares, or None if it declares none (or several)."""
    found = [getattr(dep.call, "policy", None) for dep in route.dependant.dependencies]
    policies = [p for p in found if isinstance(p, Policy)]
    return policies[0] if len(policies) == 1 else None


@dataclass(frozen=True)
class RouteEntry:
    method: str
    path: str  # as served, router prefixes included
    route: APIRoute | None  # None: served outside FastAPI's routing (the kiosk API, see api/borne.py)
    policy: Policy | None


def route_table(app: FastAPI) -> list[RouteEntry]:
    """Every (method, path) the app serves through FastAPI routes, with its policy."""
    entries = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            path = context.path or route.path
            entries.extend(RouteEntry(m, path, route, policy_of(route)) for m in sorted(route.methods))
    entries.extend(RouteEntry(m, p, None, policy) for m, p, policy in getattr(app.state, "extra_routes", ()))
    return entries


def login_csrf_token(request: Request, cookie: str = LOGIN_CSRF_COOKIE) -> str:
    return request.cookies.get(cookie) or secrets.token_urlsafe(32)


def login_csrf_ok(request: Request, sent: str, cookie: str = LOGIN_CSRF_COOKIE) -> bool:
    """A log-in form's token matches its cookie (double submit: the forms before any session)."""
    expected = request.cookies.get(cookie, "")
    return bool(expected) and hmac.compare_digest(expected, sent)


def secure_cookies(request: Request) -> bool:
    return bool(request.app.state.settings.api.secure_cookies) or request.url.scheme == "https"


def set_login_csrf(request: Request, response: Response, token: str, cookie: str, path: str) -> None:
    response.set_cookie(cookie, token, httponly=True, samesite="strict", secure=secure_cookies(request), path=path)


def login_url(next_url: str, login_path: str = "/login") -> str:
    return f"{login_path}?next=" + quote(next_url, safe="/")


# The roles of the structure's staff, by what their work needs (see README, "Roles").
_ALL_STAFF = (Role.AGENT, Role.INSTRUCTEUR, Role.RESPONSABLE, Role.ADMIN)
COUNTER = allow("counter", *_ALL_STAFF)  # mail of the day, review queue, remise, reading a usager's file
FILES = allow("files", Role.INSTRUCTEUR, Role.RESPONSABLE, Role.ADMIN)  # creating and editing usagers' files
ADMIN = allow("admin", Role.ADMIN)  # agents, roles and kiosks
ANY_AGENT = allow("any_agent", *Role)  # own session: home, log-out
STATISTICS = allow("statistics", Role.RESPONSABLE, Role.ADMIN)  # the service's figures and their exports
# Deciding on domiciliation requests and signing the decisions (the admin too: small structures' responsable).
COMMISSION = allow("commission", Role.COMMISSION, Role.RESPONSABLE, Role.ADMIN)
# Opening a stored document: the staff, and commission members for the files before them (see access.py).
DOCUMENTS = allow("documents", *_ALL_STAFF, Role.COMMISSION)
# The usagers' own pages (/portail…): a usager's session only, and only their own mail and documents.
USAGER = portal_only()
