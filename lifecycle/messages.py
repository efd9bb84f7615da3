"""The texts sent to usagers: short, French, GSM-7 where possible, never naming a sender."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from registry.i18n import t
from registry.models import MailItem, MailKind, Structure
from registry.services.notices import ARRIVAL

# GSM 03.38 basic character set: an SMS in it holds 160 characters (70 in UCS-2 otherwise).
GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
SMS_LIMIT = 160


@dataclass(frozen=True)
class Message:
    subject: str  # e-mail only
    text: str


def place_of(structure: Structure, configured: str) -> str:
    return configured or f"au {structure.name}"


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7 for ch in text)


def _count_phrase(items: Sequence[MailItem]) -> str:
    count = len(items)
    registered = sum(1 for i in items if i.kind is MailKind.RECOMMANDE)
    phrase = t("notice.mail.count.one" if count == 1 else "notice.mail.count.other", count=count)
    if registered:
        phrase += t(
            "notice.mail.registered.one" if registered == 1 else "notice.mail.registered.other", count=registered
        )
    return phrase


def mail_message(items: Sequence[tuple[MailItem, str]], structure: Structure, place: str) -> Message:
    """The day's notice: how many letters wait (and how many registered); a reminder once any letter is old."""
    letters = [mail for mail, _ in items]
    reminder = any(step != ARRIVAL for _, step in items)
    key = "notice.mail.reminder" if reminder else "notice.mail.arrival"
    phrase = _count_phrase(letters)
    text = t(key, count=phrase, Count=phrase[:1].upper() + phrase[1:], place=place_of(structure, place))
    subject = t(f"{key}.subject", structure=structure.name)
    return Message(subject, text)


def domiciliation_message(fin: dt.date, structure: Structure, place: str) -> Message:
    text = t("notice.domiciliation.end", fin=fin.strftime("%d/%m/%Y"), place=place_of(structure, place))
    return Message(t("notice.domiciliation.end.subject", structure=structure.name), text)
