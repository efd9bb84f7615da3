"""The bridge's calls to the kiosk API, against a small stub of the server (the real one is in the browser test)."""

from __future__ import annotations

import asyncio
import logging
import socket

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk.client import UNAVAILABLE, UNKNOWN, KioskClient, KioskConfig, Presence
from registry.cards import new_token

KEY = "kiosk-key-" + "x" * 30
HOURS = {"mon": ["09:00-12:00", "13:30-17:00"], "wed": ["09:00-12:00"]}


def _stub(answer: Response | None = None, *, delay: float = 0.0, seen: list[dict] | None = None) -> Starlette:
    async def presence(request: Request) -> Response:
        body = await request.json()
        if seen is not None:
            seen.append(
                {"key": request.headers.get("x-kiosk-key"), "body": body, "type": request.headers["content-type"]}
            )
        await asyncio.sleep(delay)
        if request.headers.get("x-kiosk-key") != KEY:
            return JSONResponse({"status": "forbidden"}, 401)
        return answer or JSONResponse({"status": "unknown"})

    async def config(request: Request) -> Response:
        if request.headers.get("x-kiosk-key") != KEY:
            return JSONResponse({"status": "forbidden"}, 401)
        return answer or JSONResponse(
            {"structure": "CCAS de Saint-Denis", "phone": "", "opening_hours": HOURS, "clear_seconds": 7,
             "languages": ["fr", "en", "ar"]}
        )  # fmt: skip

    return Starlette(
        routes=[Route("/api/borne/presence", presence, methods=["POST"]), Route("/api/borne/config", config)]
    )


def _ask(app: Starlette, token: str, *, key: str = KEY, timeout: float = 3.0) -> Presence:
    async def go() -> Presence:
        client = KioskClient("http://coffre.test/", SecretStr(key), timeout=timeout, transport=httpx.ASGITransport(app))
        try:
            return await client.presence(token)
        finally:
            await client.aclose()

    return asyncio.run(go())


def _config(app: Starlette, key: str = KEY) -> KioskConfig | None:
    async def go() -> KioskConfig | None:
        client = KioskClient("http://coffre.test", SecretStr(key), transport=httpx.ASGITransport(app))
        try:
            return await client.config()
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_the_request_carries_the_key_and_the_token() -> None:
    seen: list[dict] = []
    token = new_token()
    answer = JSONResponse({"status": "mail", "count": 3, "recommandes": 1, "first_name": "Aminata"})
    assert _ask(_stub(answer, seen=seen), token) == Presence("mail", 3, 1, "Aminata")
    assert seen == [{"key": KEY, "body": {"token": token}, "type": "application/json"}]


def test_answers_of_the_api() -> None:
    token = new_token()
    no_mail = JSONResponse({"status": "no_mail", "count": 0, "recommandes": 0, "first_name": None})
    assert _ask(_stub(no_mail), token) == Presence("no_mail")
    assert _ask(_stub(), token) == UNKNOWN
    slow = JSONResponse({"status": "slow_down", "retry_after": 12}, 429, headers={"Retry-After": "12"})
    assert _ask(_stub(slow), token) == Presence("slow_down", retry_after=12)
    slow_no_header = JSONResponse({"status": "slow_down", "retry_after": 5}, 429)
    assert _ask(_stub(slow_no_header), token).retry_after == 5
    assert _ask(_stub(JSONResponse({"status": "bad_request"}, 400)), token) == UNAVAILABLE
    assert _ask(_stub(Response("boom", 500)), token) == UNAVAILABLE
    assert _ask(_stub(Response("<html>proxy error</html>", 502)), token) == UNAVAILABLE


def test_a_refused_key_is_logged_without_the_key(caplog: pytest.LogCaptureFixture) -> None:
    wrong = "revoked-key-" + "y" * 30
    token = new_token()
    with caplog.at_level(logging.DEBUG):
        assert _ask(_stub(), token, key=wrong) == UNAVAILABLE
        assert _config(_stub(), key=wrong) is None
    assert "kiosk key is missing, unknown or revoked" in caplog.text
    assert wrong not in caplog.text and token not in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        {"status": "mail", "count": 0, "recommandes": 0},  # mail without a count
        {"status": "no_mail", "count": 2, "recommandes": 0},
        {"status": "mail", "count": 2, "recommandes": 3},
        {"status": "mail", "count": "2", "recommandes": 0},
        {"status": "mail", "count": True, "recommandes": 0},
        {"status": "mail", "count": -1, "recommandes": 0},
        {"status": "mail", "count": 1, "recommandes": 0, "first_name": ["x"]},
        {"status": "forbidden"},
        {"count": 1},
        ["mail"],
    ],
)
def test_an_unexpected_answer_is_unavailable(body: object) -> None:
    assert _ask(_stub(JSONResponse(body)), new_token()) == UNAVAILABLE


def test_the_first_name_is_trimmed() -> None:
    answer = JSONResponse({"status": "mail", "count": 1, "recommandes": 0, "first_name": "  Jean-\nPierre " + "x" * 80})
    first = _ask(_stub(answer), new_token()).first_name
    assert first is not None and first.startswith("Jean- Pierre") and len(first) == 40
    blank = JSONResponse({"status": "mail", "count": 1, "recommandes": 0, "first_name": "   "})
    assert _ask(_stub(blank), new_token()).first_name is None


def test_a_silent_server_times_out(caplog: pytest.LogCaptureFixture) -> None:
    """The kiosk's own timeout ends the wait (a read timeout, not the test's guard): the borne says 'indisponible'."""
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()

        async def go() -> Presence:
            client = KioskClient(f"http://127.0.0.1:{silent.getsockname()[1]}", SecretStr(KEY), timeout=0.3)
            try:
                return await asyncio.wait_for(client.presence(new_token()), timeout=60)  # a guard against a hang
            finally:
                await client.aclose()

        with caplog.at_level(logging.WARNING, logger="kiosk.client"):
            result = asyncio.run(go())
    assert result == UNAVAILABLE
    assert [r.getMessage() for r in caplog.records] == ["presence lookup failed: ReadTimeout"]


def test_an_unreachable_server() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there

    async def go() -> tuple[Presence, KioskConfig | None]:
        client = KioskClient(f"http://127.0.0.1:{port}", SecretStr(KEY), timeout=1.0)
        try:
            return await client.presence(new_token()), await client.config()
        finally:
            await client.aclose()

    assert asyncio.run(go()) == (UNAVAILABLE, None)


def test_config() -> None:
    config = _config(_stub())
    assert config == KioskConfig("CCAS de Saint-Denis", "", HOURS, 7, ["fr", "en", "ar"])
    odd = {"opening_hours": {"mon": ["09:00-12:00", 5], "xyz": ["1"], "tue": "09:00"}, "clear_seconds": 0}
    assert _config(_stub(JSONResponse(odd))) == KioskConfig(opening_hours={"mon": ["09:00-12:00"]}, clear_seconds=10)
    assert _config(_stub(JSONResponse(["no"]))) is None
    assert _config(_stub(Response("{not json", media_type="application/json"))) is None
