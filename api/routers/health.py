"""Liveness and readiness of the components an operator needs to see (public, no personal data)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from ..policy import public

router = APIRouter(tags=["health"])


@router.get("/health", summary="État du service (public)", dependencies=[Depends(public)])
def health(request: Request) -> JSONResponse:
    state = request.app.state
    checks: dict[str, str] = {}
    try:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised: this is a health probe
        checks["database"] = f"erreur: {type(exc).__name__}"
    checks["storage"] = state.storage_check()
    ok = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if ok else "degraded", **checks, "queue": state.settings.queue.mode.value}
    return JSONResponse(body, status_code=200 if ok else 503)
