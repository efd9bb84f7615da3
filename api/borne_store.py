"""Database access of the kiosk API's hot path: asyncpg on PostgreSQL, a read-only sqlite3 connection embedded."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from typing import Protocol

from sqlalchemy.engine import make_url

from registry.services.presence import kiosk_sql, presence_sql

KioskRow = tuple[int, int, str, str]  # kiosk id, structure id, structure name, structure phone
PresenceRow = tuple[str, int, int]  # prénoms, open mail, of which recommandés


class BorneStore(Protocol):
    async def kiosk(self, key_hash: str) -> KioskRow | None: ...
    async def presence(self, token_hash: str, structure_id: int) -> PresenceRow | None: ...
    async def close(self) -> None: ...


def open_store(database_url: str, *, pool_size: int = 4) -> BorneStore:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return PgStore(url.set(drivername="postgresql").render_as_string(hide_password=False), pool_size=pool_size)
    if url.get_backend_name() == "sqlite":
        return SqliteStore(url.database or ":memory:")
    raise ValueError(f"unsupported database for the kiosk API: {url.get_backend_name()}")


class PgStore:
    """A small asyncpg pool per event loop; both statements are prepared once per connection."""

    def __init__(self, dsn: str, *, pool_size: int) -> None:
        self._dsn, self._size = dsn, pool_size
        self._pool = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._presence, self._kiosk = presence_sql("numeric"), kiosk_sql("numeric")

    async def _acquire_pool(self):  # type: ignore[no-untyped-def]
        import asyncpg

        loop = asyncio.get_running_loop()
        if self._pool is None or self._loop is not loop:
            self._loop = loop
            self._pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=self._size)
        return self._pool

    async def kiosk(self, key_hash: str) -> KioskRow | None:
        pool = await self._acquire_pool()
        row = await pool.fetchrow(self._kiosk, key_hash)
        return None if row is None else (row[0], row[1], row[2], row[3])

    async def presence(self, token_hash: str, structure_id: int) -> PresenceRow | None:
        pool = await self._acquire_pool()
        row = await pool.fetchrow(self._presence, token_hash, structure_id)
        return None if row is None else (row[0], row[1], row[2])

    async def close(self) -> None:
        if self._pool is not None and self._loop is asyncio.get_running_loop():
            await self._pool.close()
        self._pool = None


class SqliteStore:
    """One read-only connection used from a worker thread (reads never take SQLite's write lock)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _query(self, sql: str, params: dict[str, object]) -> tuple | None:  # type: ignore[type-arg]
        with self._lock:
            if self._conn is None:
                self._conn = sqlite3.connect(self._path, timeout=10, check_same_thread=False, isolation_level=None)
                self._conn.execute("PRAGMA query_only = ON")
            return self._conn.execute(sql, params).fetchone()

    async def kiosk(self, key_hash: str) -> KioskRow | None:
        row = await asyncio.to_thread(self._query, kiosk_sql(), {"key_hash": key_hash})
        return None if row is None else (row[0], row[1], row[2], row[3])

    async def presence(self, token_hash: str, structure_id: int) -> PresenceRow | None:
        params = {"token_hash": token_hash, "structure_id": structure_id}
        row = await asyncio.to_thread(self._query, presence_sql(), params)
        return None if row is None else (row[0], row[1], row[2])

    async def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
