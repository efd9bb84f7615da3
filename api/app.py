"""The FastAPI application factory; settings and engine are injected, never global."""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import tempfile
import threading
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry.db import make_engine, session_factory
from registry.i18n import CoffreError, t
from registry.services.users import dummy_hash
from registry.settings import Settings, StorageBackend

from .access import NotFound
from .borne import KIOSK, ROUTES, BorneShortcut, KioskApi
from .borne_store import open_store
from .policy import ADMIN, ANY_AGENT, COMMISSION, COUNTER, FILES, STATISTICS, LoginRequired, login_url, wants_html
from .routers import (
    admin,
    auth,
    classement,
    commission,
    documents,
    health,
    lifecycle,
    mail,
    pipeline,
    portal,
    remise,
    review,
    stats,
    usagers,
    verify,
)
from .templating import error_page

log = logging.getLogger(__name__)

_SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    app = FastAPI(
        title="Coffre",
        version="0.1.0",
        description="Domiciliation : courrier, coffre-fort, attestations",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.effective_database_url)
    app.state.sessions = session_factory(app.state.engine)
    app.state.storage_check = lambda: _storage_check(settings)
    app.state.vault = functools.cache(lambda: _open_vault(app))
    app.state.nav_policies = {
        name: dep.policy  # type: ignore[attr-defined]
        for name, dep in (
            ("counter", COUNTER),
            ("files", FILES),
            ("admin", ADMIN),
            ("any_agent", ANY_AGENT),
            ("commission", COMMISSION),
            ("statistics", STATISTICS),
        )  # fmt: skip
    }
    app.state.commission = functools.cache(lambda: _commission(app))
    app.state.public_verifier = functools.cache(lambda: _public_verifier(app))
    app.state.verify_slots = threading.BoundedSemaphore(max(1, settings.api.verify_concurrency))
    for router in (
        health,
        auth,
        lifecycle,  # before mail: /courrier/retours is not a mail item
        mail,
        review,
        classement,
        remise,
        usagers,
        documents,
        commission,
        pipeline,
        admin,
        verify,
        portal,
        stats,
    ):
        app.include_router(router.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    _install_handlers(app)
    app.state.kiosk_api = KioskApi(settings, open_store(settings.effective_database_url))
    app.state.extra_routes = [(method, path, KIOSK) for method, path in ROUTES]

    @app.middleware("http")
    async def _security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "public, max-age=86400")
        else:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.add_middleware(BorneShortcut, kiosk_api=app.state.kiosk_api)  # outermost: kiosk lookups skip the rest
    return app


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    dummy_hash()  # before the first log-in: an unknown username must not answer faster the first time
    gc.collect()
    gc.freeze()  # the app's long-lived objects leave the collector's scans (shorter pauses under load)
    yield
    await app.state.kiosk_api.close()  # the last kiosk lookups counted are written


def _open_vault(app: FastAPI):  # type: ignore[no-untyped-def]
    from archive.factory import open_vault

    return open_vault(app.state.settings, app.state.sessions, ensure=False)


def _commission(app: FastAPI):  # type: ignore[no-untyped-def]
    from signing.commission import CommissionSigning
    from signing.factory import member_signers

    settings: Settings = app.state.settings
    return CommissionSigning(
        app.state.vault(), settings.signing, member_signers(settings), orientation=lambda d: d.orientation or ""
    )


class _LazyValidator:
    """The public validator, built on first use (an unknown /verify id needs no trust roots or key)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._validator = None

    def validate(self, data: bytes):  # type: ignore[no-untyped-def]
        from signing.factory import validator

        with self._lock:
            if self._validator is None:
                self._validator = validator(self._settings)
        return self._validator.validate(data)


def _public_verifier(app: FastAPI):  # type: ignore[no-untyped-def]
    from signing.public import PublicVerifier

    return PublicVerifier(app.state.vault(), _LazyValidator(app.state.settings))  # type: ignore[arg-type]


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if wants_html(request):
            return RedirectResponse(login_url(exc.next_url, exc.login_path), status_code=303)
        return JSONResponse({"detail": t("auth.required")}, status_code=401)

    @app.exception_handler(CoffreError)
    async def _domain(request: Request, exc: CoffreError) -> Response:
        status = 404 if isinstance(exc, NotFound) or exc.key.endswith("not_found") else 400
        if wants_html(request):
            return error_page(request, status, exc.text())
        return JSONResponse({"detail": exc.text(), "code": exc.key}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_html(request) and exc.status_code in (403, 404):
            key = {"csrf": "ui.error.csrf"}.get(
                str(exc.detail), "ui.error.forbidden" if exc.status_code == 403 else "ui.error.not_found"
            )
            return error_page(request, exc.status_code, t(key))
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if wants_html(request):
            fields = ", ".join(sorted({_field(e.get("loc") or ()) for e in exc.errors()}))
            return error_page(request, 400, t("ui.error.invalid", fields=fields))
        return await request_validation_exception_handler(request, exc)


def _field(loc: tuple[object, ...] | list[object]) -> str:
    """The form field an error is about ("items" for ("body", "items", 0))."""
    return next((str(part) for part in loc[1:] if isinstance(part, str)), str(loc[-1]) if loc else "?")


def _storage_check(settings: Settings) -> str:
    if settings.storage.backend is StorageBackend.LOCAL:
        try:
            fd, name = tempfile.mkstemp(dir=settings.vault_dir, prefix=".health-")
            os.close(fd)
            os.unlink(name)
            return "ok"
        except OSError as exc:
            return f"erreur: {exc.strerror}"
    return _s3_check(settings)


def _s3_check(settings: Settings) -> str:
    from archive.backends.s3 import S3Backend
    from archive.errors import VaultError

    if not settings.storage.s3_endpoint:
        return "erreur: " + t("health.storage_missing_endpoint")
    try:
        S3Backend(settings.storage, timeout=5).probe()
    except VaultError as exc:
        return f"erreur: {exc}"
    return "ok"
