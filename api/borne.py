"""The kiosk (borne) API as a bare ASGI app: per-kiosk key, rate limits, counted lookups, thousands per second."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from registry.cards import normalize_token, secret_digest, token_hash
from registry.services.mail import LOCAL_TZ
from registry.services.presence import Outcome, Presence, presence_of
from registry.settings import Settings

from .borne_store import BorneStore, KioskRow
from .policy import Policy
from .ratelimit import WindowLimiter

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

PREFIX = "/api/borne/"
KEY_HEADER = b"x-kiosk-key"
KIOSK = Policy(frozenset({"kiosk"}), "kiosk")
ROUTES = (("POST", "/api/borne/presence"), ("GET", "/api/borne/config"))  # all owned by KIOSK
_MAX_BODY = 1024
_NO_KIOSK = (0, 0, "", "")  # cached "no such active key"


class KioskApi:
    """Answers /api/borne/*; everything else is for the app it wraps (see `BorneShortcut`)."""

    def __init__(self, settings: Settings, store: BorneStore, *, clock: Callable[[], float] = time.monotonic) -> None:
        k = settings.kiosk
        workers = max(1, k.workers)
        self._settings, self._store, self._clock = settings, store, clock
        self._per_kiosk = WindowLimiter(k.device_per_minute // workers, 60, clock)
        self._unknown = WindowLimiter(k.unknown_per_hour // workers, 3600, clock)
        self._per_card = WindowLimiter(k.card_per_minute // workers, 60, clock)
        self._keys: dict[str, tuple[KioskRow, float]] = {}
        self._counts: Counter[tuple[dt.date, int, str]] = Counter()
        self._flusher: asyncio.Task[None] | None = None
        self._closing = self._flushing = False
        self.refused_keys = 0  # requests with a missing or unknown key (they have no kiosk to count them on)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = (scope["method"], scope["path"])
        if route not in ROUTES:
            allowed = [m for m, p in ROUTES if p == scope["path"]]
            status = 405 if allowed else 404
            return await _json(send, status, {"status": "method_not_allowed" if allowed else "not_found"})
        kiosk = await self._kiosk_of(scope)
        if kiosk is None:
            self.refused_keys += 1
            return await _json(send, 401, {"status": "forbidden"})
        self._ensure_flusher()
        if scope["path"].endswith("/config"):
            return await _json(send, 200, self._config(kiosk))
        body = await _read_body(receive)
        token = _token_in(body)
        if token is _MALFORMED:
            return await _json(send, 400, {"status": "bad_request"})
        presence = await self._lookup(kiosk, token)  # type: ignore[arg-type]
        if isinstance(presence, float):
            retry = max(1, round(presence))
            headers = [(b"retry-after", str(retry).encode())]
            return await _json(send, 429, {"status": "slow_down", "retry_after": retry}, headers)
        return await _json(send, 200, _answer(presence))

    async def _lookup(self, kiosk: KioskRow, token: str | None) -> Presence | float:
        """The presence for `token` at `kiosk`, or the seconds to wait when a limit refuses it."""
        kiosk_id, structure_id = kiosk[0], kiosk[1]
        wait = self._unknown.wait(kiosk_id) or self._per_kiosk.hit(kiosk_id)
        digest = token_hash(token) if token else None
        if not wait and digest is not None:
            wait = self._per_card.hit(digest)
        if wait:
            self._count(kiosk_id, Outcome.LIMITED)
            return wait
        row = await self._store.presence(digest, structure_id) if digest is not None else None
        presence = presence_of(row, show_first_name=self._settings.kiosk.show_first_name)
        if presence.outcome is Outcome.UNKNOWN:
            self._unknown.add(kiosk_id)
        self._count(kiosk_id, presence.outcome)
        return presence

    async def _kiosk_of(self, scope: Scope) -> KioskRow | None:
        key = next((v for k, v in scope["headers"] if k == KEY_HEADER), b"")
        if not key or len(key) > 128:
            return None
        digest = secret_digest(key.decode("latin-1"))
        now = self._clock()
        cached = self._keys.get(digest)
        if cached is None or cached[1] <= now:
            row = await self._store.kiosk(digest)
            if len(self._keys) > 10_000:
                self._keys.clear()
            cached = (row or _NO_KIOSK, now + self._settings.kiosk.key_cache_seconds)
            self._keys[digest] = cached
        return None if cached[0] is _NO_KIOSK else cached[0]

    def _config(self, kiosk: KioskRow) -> dict[str, object]:
        s = self._settings
        return {
            "structure": kiosk[2],
            "phone": kiosk[3] or s.structure.phone,
            "opening_hours": s.structure.opening_hours,
            "clear_seconds": s.kiosk.clear_seconds,
            "languages": ["fr", "en", "ar"],
        }

    # -- statistics: counted in memory, added to the database every few seconds (and at shutdown)

    def _count(self, kiosk_id: int, outcome: Outcome) -> None:
        self._counts[(dt.datetime.now(LOCAL_TZ).date(), kiosk_id, outcome.value)] += 1

    def _ensure_flusher(self) -> None:
        task = self._flusher
        loop = asyncio.get_running_loop()
        if not self._closing and (task is None or task.done() or task.get_loop() is not loop):
            self._flusher = loop.create_task(self._flush_every(self._settings.kiosk.counts_flush_seconds))

    async def _flush_every(self, seconds: float) -> None:
        while not self._closing:
            await asyncio.sleep(seconds)
            self._flushing = True
            try:
                await self.flush()
            finally:
                self._flushing = False

    async def flush(self) -> int:
        """Write the lookups counted so far; returns how many. On failure they are kept for the next try."""
        counts, self._counts = self._counts, Counter()
        if not counts:
            return 0
        try:
            await self._store.add_counts([(d, k, o, n) for (d, k, o), n in counts.items()])
        except Exception:  # noqa: BLE001 - the database may be away for a while; nothing is lost meanwhile
            log.warning("kiosk lookup counts not written yet (%d pending)", sum(counts.values()), exc_info=True)
            self._counts.update(counts)
            return 0
        except BaseException:  # cancelled at shutdown while writing: written by the last flush instead
            self._counts.update(counts)
            raise
        return sum(counts.values())

    async def close(self) -> None:
        self._closing = True
        task, self._flusher = self._flusher, None
        if task is not None and task.get_loop() is asyncio.get_running_loop():
            if not self._flushing:  # asleep: stop it; writing: let it finish (a cancelled write may have landed)
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.flush()
        await self._store.close()
        self._closing = False  # the app may be started again (tests do)


class BorneShortcut:
    """ASGI middleware placed first: kiosk requests skip the web app's routing, sessions and templates."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], kiosk_api: KioskApi) -> None:
        self.app, self.kiosk_api = app, kiosk_api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            await self.kiosk_api(scope, receive, send)
        else:
            await self.app(scope, receive, send)


_MALFORMED = object()


def _token_in(body: bytes | None) -> str | None | object:
    """The normalised token (None: not a Coffre card), or _MALFORMED when the body is not {"token": "…"}."""
    if body is None:
        return _MALFORMED
    try:
        data = json.loads(body)
    except ValueError:
        return _MALFORMED
    raw = data.get("token") if isinstance(data, dict) else None
    return normalize_token(raw) if isinstance(raw, str) else _MALFORMED


async def _read_body(receive: Receive) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > _MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _answer(presence: Presence) -> dict[str, object]:
    if presence.outcome is Outcome.UNKNOWN:
        return {"status": "unknown"}
    return {
        "status": presence.outcome.value,
        "count": presence.count,
        "recommandes": presence.recommandes,
        "first_name": presence.first_name,
    }


async def _json(send: Send, status: int, data: dict[str, object], headers: list[tuple[bytes, bytes]] = ()) -> None:  # type: ignore[assignment]
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                (b"x-content-type-options", b"nosniff"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
