"""SMS through an HTTP gateway: POST {"to", "text", "sender"} as JSON with a bearer token."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from registry.settings import NotifySettings

from . import NotConfigured, NotifyError


def send_sms(settings: NotifySettings, to: str, text: str) -> None:
    if not settings.sms_url.startswith(("http://", "https://")):
        raise NotConfigured("notify.sms_unconfigured")
    body = json.dumps({"to": to, "text": text, "sender": settings.sms_sender}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    token = settings.sms_token.get_secret_value()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(settings.sms_url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as response:  # noqa: S310 (configured URL)
            response.read(4096)
    except urllib.error.HTTPError as exc:
        raise NotifyError("notify.sms_failed", reason=f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise NotifyError("notify.sms_failed", reason=type(exc).__name__) from None
