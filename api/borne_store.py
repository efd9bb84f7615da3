"""Database access of the kiosk API's hot path: asyncpg on PostgreSQL, a read-only sqlite3 connection embedded."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
from typing import Protocol

from sqlalchemy.engine import make_url

from registry.services.presence import counts_sql, kiosk_sql, presence_sql

KioskRow = tuple[int, int, str, str]  # kiosk id, structure id, structure name, structure phone
PresenceRow = tuple[str, int, int]  # prénoms, open mail, of which recommandés
CountRow = tuple[dt.date, int, str, int]  # day, kiosk id, outcome, lookups


class BorneStore(Protocol):
    async def kiosk(self, key_hash: str) -> KioskRow | None: ...
    async def presence(self, token_hash: str, structure_id: int) -> PresenceRow | None: ...
    async def add_counts(self, rows: list[CountRow]) -> None: ...
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

    async def add_counts(self, rows: list[CountRow]) -> None:
        pool = await self._acquire_pool()
        await pool.execute(counts_sql("numeric"), *(list(column) for column in zip(*rows, strict=True)))

    async def close(self) -> None:
        if self._pool is not None and self._loop is asyncio.get_running_loop():
            await self._pool.close()
        self._pool = None


class SqliteStore:
    """One connection used from worker threads: reads outside transactions, count writes in short ones."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = sqlite3.connect(self._path, timeout=30, check_same_thread=False, isolation_level=None)
        return self._conn

    def _query(self, sql: str, params: dict[str, object]) -> tuple | None:  # type: ignore[type-arg]
        with self._lock:
            return self._connection().execute(sql, params).fetchone()

    def _write_counts(self, rows: list[CountRow]) -> None:
        params = [{"day": d.isoformat(), "kiosk_id": k, "outcome": o, "count": n} for d, k, o, n in rows]
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(counts_sql(), params)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    async def add_counts(self, rows: list[CountRow]) -> None:
        await asyncio.to_thread(self._write_counts, rows)

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
