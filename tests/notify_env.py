"""Real receivers for the messages Coffre sends: an SMTP server (aiosmtpd) and a tiny HTTP SMS gateway."""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import queue
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from pydantic import SecretStr

from registry.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """aiosmtpd handler: every message received, parsed."""

    def __init__(self) -> None:
        self.messages: queue.Queue[email.message.EmailMessage] = queue.Queue()
        self.port = free_port()

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.put(message)  # type: ignore[arg-type]
        return "250 OK"

    def drain(self) -> list[email.message.EmailMessage]:
        out = []
        while not self.messages.empty():
            out.append(self.messages.get_nowait())
        return out


class SmsGateway(ThreadingHTTPServer):
    """A tiny SMS gateway: records each POST (headers and JSON body) and answers `status`."""

    status = 200

    def __init__(self) -> None:
        self.received: queue.Queue[tuple[dict[str, str], dict[str, object]]] = queue.Queue()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                gateway.received.put((dict(self.headers), json.loads(body)))
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"id": "1"}')

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    def drain(self) -> list[tuple[dict[str, str], dict[str, object]]]:
        out = []
        while not self.received.empty():
            out.append(self.received.get_nowait())
        return out


@contextlib.contextmanager
def smtp_inbox() -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 collecting every message."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@contextlib.contextmanager
def sms_gateway() -> Iterator[SmsGateway]:
    server = SmsGateway()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


SMS_TOKEN = "jeton-sms"


def send_to(settings: Settings, inbox: Inbox, gateway: SmsGateway | None = None) -> None:
    """Point Coffre's e-mail (and SMS) at the test's receivers."""
    notify = settings.notify
    notify.smtp_host, notify.smtp_port, notify.mail_from = "127.0.0.1", inbox.port, "domiciliation@ccas.test"
    if gateway is not None:
        notify.sms_url, notify.sms_token = f"http://127.0.0.1:{gateway.server_address[1]}/sms", SecretStr(SMS_TOKEN)
