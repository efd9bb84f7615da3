"""Messages to usagers: e-mail through SMTP, SMS through an HTTP gateway, chosen by the usager's channel.

Public entry points: `send_to_usager` and `send`, over the providers of notify/providers.py (the
lifecycle's batched notices pass their own mapping). Addresses, phone numbers and texts are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from registry.i18n import CoffreError
from registry.models import Channel, Usager
from registry.services.usagers import contact_of
from registry.settings import NotifySettings

if TYPE_CHECKING:
    from .providers import Provider

log = logging.getLogger(__name__)


class NotifyError(CoffreError):
    """A message could not be sent; the text is for people, the details never hold an address."""


class NotConfigured(NotifyError):
    """The channel has no provider configured: trying again cannot help until an administrator sets one."""


@dataclass(frozen=True)
class Recipient:
    channel: Channel  # SMS or EMAIL
    address: str  # phone number or e-mail address: personal data, never logged


def recipient_of(usager: Usager) -> Recipient | None:
    """Where to reach a usager (registry.services.usagers.contact_of), or None."""
    contact = contact_of(usager)
    return Recipient(*contact) if contact else None


def send(
    settings: NotifySettings,
    recipient: Recipient,
    *,
    subject: str,
    text: str,
    providers: Mapping[Channel, Provider] | None = None,
) -> None:
    """Send `text` (and `subject` for e-mail) to `recipient`; raises NotifyError on any failure."""
    from .providers import default_providers

    provider = (providers if providers is not None else default_providers(settings)).get(recipient.channel)
    if provider is None:
        raise NotConfigured("notify.no_channel")
    provider.send(recipient.address, subject, text)
    log.info("message sent by %s", recipient.channel.value)


def send_to_usager(settings: NotifySettings, usager: Usager, *, subject: str, text: str) -> Channel:
    """Send a message to a usager by their channel; returns the channel used."""
    recipient = recipient_of(usager)
    if recipient is None:
        raise NotifyError("notify.no_channel")
    send(settings, recipient, subject=subject, text=text)
    return recipient.channel
