"""The FastAPI application factory; settings and engine are injected, never global."""

from __future__ import annotations

import logging
import os
import tempfile

from fastapi import FastAPI
from sqlalchemy import Engine

from registry.db import make_engine, session_factory
from registry.i18n import t
from registry.settings import Settings, StorageBackend

from .routers import health

log = logging.getLogger(__name__)


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    app = FastAPI(title="Coffre", version="0.1.0", description="Domiciliation : courrier, coffre-fort, attestations")
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.effective_database_url)
    app.state.sessions = session_factory(app.state.engine)
    app.state.storage_check = lambda: _storage_check(settings)
    app.include_router(health.router)
    return app


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
