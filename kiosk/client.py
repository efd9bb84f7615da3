"""The Coffre server's kiosk API, called by the bridge with the kiosk's key (never by the browser)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import httpx
from pydantic import SecretStr

log = logging.getLogger(__name__)

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_NAME = 40  # characters of a first name shown on the screen


@dataclass(frozen=True)
class Presence:
    """What the screen may show after a swipe.

    status: "mail" | "no_mail" | "unknown" | "slow_down" | "unavailable".
    """

    status: str
    count: int = 0
    recommandes: int = 0
    first_name: str | None = None
    retry_after: int = 0


UNKNOWN = Presence("unknown")
UNAVAILABLE = Presence("unavailable")


@dataclass(frozen=True)
class KioskConfig:
    structure: str = ""
    phone: str = ""
    opening_hours: dict[str, list[str]] = field(default_factory=dict)
    clear_seconds: int = 10
    languages: list[str] = field(default_factory=list)


class KioskClient:
    """Two calls: a card's presence and the kiosk's configuration; any failure maps to `UNAVAILABLE` / None."""

    def __init__(
        self, base_url: str, key: SecretStr, *, timeout: float = 3.0, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._key = key
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport, follow_redirects=False
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def presence(self, token: str) -> Presence:
        try:
            response = await self._http.post("/api/borne/presence", json={"token": token}, headers=self._headers())
        except httpx.HTTPError as exc:
            log.warning("presence lookup failed: %s", type(exc).__name__)  # the exception text may quote the URL
            return UNAVAILABLE
        return _presence(response)

    async def config(self) -> KioskConfig | None:
        try:
            response = await self._http.get("/api/borne/config", headers=self._headers())
        except httpx.HTTPError as exc:
            log.warning("kiosk config unavailable: %s", type(exc).__name__)
            return None
        if response.status_code != 200:
            _log_refusal("kiosk config", response.status_code)
            return None
        try:
            return _config(response.json())
        except (ValueError, TypeError, AttributeError):
            log.warning("kiosk config: unexpected answer")
            return None

    def _headers(self) -> dict[str, str]:
        return {"X-Kiosk-Key": self._key.get_secret_value()}


def _presence(response: httpx.Response) -> Presence:
    if response.status_code == 429:
        return Presence("slow_down", retry_after=_retry_after(response))
    if response.status_code != 200:
        _log_refusal("presence lookup", response.status_code)
        return UNAVAILABLE
    try:
        body = response.json()
        status = body["status"]
        if status == "unknown":
            return UNKNOWN
        if status not in ("mail", "no_mail"):
            raise ValueError(status)
        count, recommandes = _count(body.get("count")), _count(body.get("recommandes"))
        if (status == "mail") != (count > 0) or recommandes > count:
            raise ValueError("inconsistent counts")
        return Presence(status, count, recommandes, _first_name(body.get("first_name")))
    except (ValueError, TypeError, KeyError, AttributeError):
        log.warning("presence lookup: unexpected answer")
        return UNAVAILABLE


def _log_refusal(what: str, status_code: int) -> None:
    if status_code == 401:
        log.error("%s refused: the kiosk key is missing, unknown or revoked", what)
    else:
        log.warning("%s failed: HTTP %d", what, status_code)


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 100_000:
        raise ValueError("bad count")
    return value


def _first_name(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("bad first name")
    name = " ".join(value.split())[:MAX_NAME]
    return name or None


def _retry_after(response: httpx.Response) -> int:
    for raw in (response.headers.get("Retry-After"), _json_field(response, "retry_after")):
        try:
            return max(0, min(int(raw), 3600))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
    return 0


def _json_field(response: httpx.Response, name: str) -> object:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get(name) if isinstance(body, dict) else None


def _config(body: object) -> KioskConfig:
    if not isinstance(body, dict):
        raise ValueError("not an object")
    hours_in = body.get("opening_hours") or {}
    if not isinstance(hours_in, dict):
        raise ValueError("bad opening hours")
    hours = {
        day: [str(r) for r in ranges if isinstance(r, str)]
        for day, ranges in hours_in.items()
        if day in _DAYS and isinstance(ranges, list)
    }
    clear = body.get("clear_seconds", 10)
    if isinstance(clear, bool) or not isinstance(clear, int | float) or not 1 <= clear <= 600:
        clear = 10
    languages = [lang for lang in body.get("languages") or [] if isinstance(lang, str)]
    return KioskConfig(
        structure=str(body.get("structure") or ""),
        phone=str(body.get("phone") or ""),
        opening_hours=hours,
        clear_seconds=int(clear),
        languages=languages,
    )
