"""The bridge's web app: serves the kiosk page on loopback and pushes each swipe's result to it (SSE)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from registry.i18n import CATALOGUES, DEFAULT_LANGUAGE

from .client import UNKNOWN, KioskClient, KioskConfig, Presence
from .reader import CardReader
from .settings import BridgeSettings

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
KEEPALIVE_SECONDS = 15.0
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}

Event = dict[str, Any]
_END: Event = {}  # not sent: ends a stream


class Bridge:
    """Reader thread → event loop → server lookup → every open page; one per app."""

    def __init__(self, settings: BridgeSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.config = KioskConfig()  # until the server's is fetched
        self.reader: CardReader | None = None
        self._transport = transport  # tests only
        self._client: KioskClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._swipes: asyncio.Queue[str | None] | None = None
        self._subscribers: set[asyncio.Queue[Event]] = set()
        self._tasks: list[asyncio.Task[None]] = []

    @contextlib.asynccontextmanager
    async def running(self, _app: Starlette) -> AsyncIterator[None]:
        s = self.settings
        self._loop = asyncio.get_running_loop()
        self._swipes = asyncio.Queue(maxsize=2)
        self._client = KioskClient(s.base_url, s.kiosk_key, timeout=s.timeout_seconds, transport=self._transport)
        self._tasks = [asyncio.create_task(self._lookups()), asyncio.create_task(self._refresh_config())]
        if s.serial_port:
            self.reader = CardReader(s.serial_port, s.baudrate, self.swiped, frame_gap=s.frame_gap_seconds)
            self.reader.start()
        else:
            log.warning("no card reader configured")
        try:
            yield
        finally:
            if self.reader is not None:
                await asyncio.to_thread(self.reader.stop)
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._client.aclose()

    def swiped(self, token: str | None) -> None:
        """From the reader's thread: queue the swipe for the event loop (dropped if swipes pile up)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._enqueue, token)

    def _enqueue(self, token: str | None) -> None:
        assert self._swipes is not None
        try:
            self._swipes.put_nowait(token)
        except asyncio.QueueFull:
            log.info("swipe dropped: lookups pending")

    async def _lookups(self) -> None:
        assert self._swipes is not None and self._client is not None
        while True:
            token = await self._swipes.get()
            self._broadcast({"type": "reading"})
            try:
                result = await self._client.presence(token) if token is not None else UNKNOWN
            except Exception as exc:  # noqa: BLE001 - the next swipe must still work
                log.error("presence lookup crashed: %s", type(exc).__name__)
                result = Presence("unavailable")
            log.info("swipe answered: %s", result.status)
            self._broadcast(_result_event(result))

    async def _refresh_config(self) -> None:
        assert self._client is not None
        while True:
            config = await self._client.config()
            if config is not None and config != self.config:
                self.config = config
                self._broadcast(self.config_event())
            wait = self.settings.config_refresh_seconds
            await asyncio.sleep(wait if config is not None else min(wait, 15.0))

    def languages(self) -> list[str]:
        """The languages offered: configured here, known to the catalogues, and allowed by the server."""
        allowed = self.config.languages
        offered = [lang for lang in self.settings.languages if lang in CATALOGUES and (not allowed or lang in allowed)]
        default = self.default_language()
        return offered if default in offered else [default, *offered]

    def default_language(self) -> str:
        lang = self.settings.language
        return lang if lang in CATALOGUES else DEFAULT_LANGUAGE

    def config_event(self) -> Event:
        return {
            "type": "config",
            "structure": self.config.structure,
            "opening_hours": self.config.opening_hours,
            "clear_seconds": self.config.clear_seconds,
            "languages": self.languages(),
            "language": self.default_language(),
        }

    def end_streams(self) -> None:
        """End every page's event stream (at shutdown: the pages reconnect to the next bridge by themselves)."""
        self._broadcast(_END)

    def _broadcast(self, event: Event) -> None:
        for queue in list(self._subscribers):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()  # a stalled page loses its oldest event, not the newest
            queue.put_nowait(event)

    async def events(self, _request: Request) -> Response:
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=16)
        self._subscribers.add(queue)

        async def stream() -> AsyncIterator[str]:
            try:
                yield "retry: 2000\n\n"
                yield _sse(self.config_event())
                while True:
                    try:
                        event = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    if event is _END:
                        return
                    yield _sse(event)
            finally:
                self._subscribers.discard(queue)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"x-accel-buffering": "no"})

    async def strings(self, _request: Request) -> Response:
        langs = dict.fromkeys([DEFAULT_LANGUAGE, *self.languages()])
        return JSONResponse({lang: _page_strings(lang) for lang in langs})


def _page_strings(lang: str) -> dict[str, str]:
    return {
        key: text
        for key, text in CATALOGUES[lang].items()
        if key.startswith("borne.") and not key.startswith("borne.cli.")
    }


def _result_event(result: Presence) -> Event:
    event: Event = {"type": "result", "status": result.status}
    if result.status in ("mail", "no_mail"):
        event.update(count=result.count, recommandes=result.recommandes, first_name=result.first_name)
    return event


def _sse(event: Event) -> str:
    return f"data: {json.dumps(event, ensure_ascii=False, separators=(',', ':'))}\n\n"


async def _page(_request: Request) -> Response:
    return FileResponse(STATIC / "borne.html", media_type="text/html; charset=utf-8")


class _SecurityHeaders:
    """Adds the headers of `SECURITY_HEADERS` to every response (pure ASGI: streaming responses stay streamed)."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


class BridgeServer(uvicorn.Server):
    """uvicorn, ending the pages' event streams first so that its shutdown does not wait for them."""

    def __init__(self, app: Starlette, **config: Any) -> None:
        super().__init__(uvicorn.Config(app, access_log=False, timeout_graceful_shutdown=2, **config))
        self.bridge: Bridge = app.state.bridge

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.bridge.end_streams()
        await super().shutdown(sockets=sockets)


def create_app(settings: BridgeSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> Starlette:
    """The bridge: the page, its strings, its event stream; the reader and the server calls run with it."""
    bridge = Bridge(settings, transport=transport)
    hosts = sorted({"127.0.0.1", "localhost", "::1", settings.listen_host})  # Host checked: no DNS rebinding
    app = Starlette(
        routes=[
            Route("/", _page),
            Route("/strings.json", bridge.strings),
            Route("/events", bridge.events),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(_SecurityHeaders), Middleware(TrustedHostMiddleware, allowed_hosts=hosts)],
        lifespan=bridge.running,
    )
    app.state.bridge = bridge
    return app
