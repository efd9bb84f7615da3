"""The provider interface: one sender per channel (SMTP for e-mail, an HTTP gateway for SMS)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol

from registry.models import Channel
from registry.settings import NotifySettings

from . import email, sms


class Provider(Protocol):
    """Sends one message to one address; raises notify.NotifyError (French text, no address) on failure."""

    channel: ClassVar[Channel]

    def send(self, address: str, subject: str, text: str) -> None: ...


@dataclass(frozen=True)
class SmtpProvider:
    settings: NotifySettings
    channel: ClassVar[Channel] = Channel.EMAIL

    def send(self, address: str, subject: str, text: str) -> None:
        email.send_email(self.settings, address, subject, text)


@dataclass(frozen=True)
class HttpSmsProvider:
    settings: NotifySettings
    channel: ClassVar[Channel] = Channel.SMS

    def send(self, address: str, subject: str, text: str) -> None:
        sms.send_sms(self.settings, address, text)  # an SMS has no subject


Providers = Mapping[Channel, Provider]


def default_providers(settings: NotifySettings) -> dict[Channel, Provider]:
    return {Channel.EMAIL: SmtpProvider(settings), Channel.SMS: HttpSmsProvider(settings)}
