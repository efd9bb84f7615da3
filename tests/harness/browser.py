"""Debian's Chromium through Playwright, and an ASGI app served by uvicorn in a thread, for the page tests."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from ._proc import free_port

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("COFFRE_TEST_ARTIFACTS", Path(__file__).parent.parent.parent / "test-artifacts"))
# As measured on this machine: without these, Chromium keeps calling Google's hosts, which the network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_missing() -> str | None:
    return None if Path(CHROMIUM).exists() else "chromium not installed"


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium (Playwright's sync API), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def serve(app: object, *, server: uvicorn.Server | None = None, port: int | None = None) -> Iterator[str]:
    """`app` served on loopback by uvicorn in a thread (or the given `server`); yields its base URL."""
    port = port or free_port()
    if server is None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)  # type: ignore[arg-type]
        server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        assert not thread.is_alive(), "server did not stop"
