"""The reference for `bench kiosk`: a bare FastAPI endpoint over SQLite — no kiosk key, no limits, no counting."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
_local = threading.local()


class _Body(BaseModel):
    token: str


def _conn() -> sqlite3.Connection:
    if not hasattr(_local, "conn"):
        _local.conn = sqlite3.connect(os.environ["BENCH_REFERENCE_DB"], check_same_thread=False)
    return _local.conn


@app.post("/api/borne/presence")
def presence(body: _Body) -> dict[str, object]:
    digest = hashlib.sha256(body.token.encode()).hexdigest()
    row = _conn().execute("SELECT usager_id FROM cards WHERE token_hash = ?", (digest,)).fetchone()
    return {"status": "known" if row else "unknown"}
