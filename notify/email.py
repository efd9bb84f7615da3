"""E-mail through SMTP (STARTTLS and authentication when configured)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from registry.settings import NotifySettings

from . import NotConfigured, NotifyError


def send_email(settings: NotifySettings, to: str, subject: str, text: str) -> None:
    if not settings.smtp_host:
        raise NotConfigured("notify.email_unconfigured")
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    message.set_content(text)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        # The exception's text may hold the address (refused recipients): only its type is kept.
        raise NotifyError("notify.email_failed", reason=type(exc).__name__) from None
