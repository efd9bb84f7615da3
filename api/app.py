"""The FastAPI application factory; settings and engine are injected, never global."""

from __future__ import annotations

import logging
import os
import tempfile

from fastapi import FastAPI
from sqlalchemy import Engine

from registry.db import make_engine, session_factory
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
    import urllib3
    from minio import Minio

    s3 = settings.storage
    if not s3.s3_endpoint:
        return "erreur: point d'accès S3 non configuré"
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=5), retries=False)
    client = Minio(
        s3.s3_endpoint,
        access_key=s3.s3_access_key,
        secret_key=s3.s3_secret_key.get_secret_value(),
        secure=s3.s3_secure,
        region=s3.s3_region or None,
        http_client=http,
    )
    try:
        return "ok" if client.bucket_exists(s3.s3_bucket) else f"erreur: compartiment {s3.s3_bucket} absent"
    except Exception as exc:  # noqa: BLE001 - reported by the health probe
        return f"erreur: {type(exc).__name__}"
