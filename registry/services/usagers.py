"""Usagers: creation, lookup by numéro, name or card, and card issue/revocation."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import record
from ..cards import new_token, token_hash
from ..i18n import CoffreError
from ..models import OPEN_MAIL_STATUSES, Card, Channel, Document, MailItem, Sexe, Usager, utcnow
from ..names import name_key, normalize


class UsagerError(CoffreError):
    pass


@dataclass(frozen=True)
class IssuedCard:
    """A newly issued card; `token` is shown once, to print or encode the card, and never stored."""

    card_id: int
    token: str


def by_numero(session: Session, structure_id: int, numero: str) -> Usager | None:
    return session.scalars(select(Usager).where(Usager.structure_id == structure_id, Usager.numero == numero)).first()


def next_numero(session: Session, structure_id: int) -> str:
    """The next free numeric dossier number (numbers that are not plain integers are skipped)."""
    numeros = session.scalars(select(Usager.numero).where(Usager.structure_id == structure_id))
    highest = max((int(n) for n in numeros if n.isdigit()), default=0)
    return str(highest + 1)


def create_usager(
    session: Session,
    structure_id: int,
    *,
    nom: str,
    prenoms: str = "",
    numero: str | None = None,
    actor: str = "system",
    **fields: object,
) -> Usager:
    if not nom.strip():
        raise UsagerError("usager.nom_required")
    numero = numero or next_numero(session, structure_id)
    sexe = fields.pop("sexe", None)
    channel = fields.pop("channel", None)
    if by_numero(session, structure_id, numero) is not None:
        raise UsagerError("usager.numero_exists", numero=numero)
    usager = Usager(
        structure_id=structure_id,
        numero=numero,
        nom=nom.strip(),
        prenoms=prenoms.strip(),
        name_key=name_key(nom, prenoms),
        channel=Channel(channel) if channel else Channel.SMS,
        sexe=Sexe(sexe) if sexe else None,
        **fields,
    )
    session.add(usager)
    session.flush()
    record(session, actor, "usager.create", f"usager:{usager.id}")
    return usager


EDITABLE = (
    "nom",
    "prenoms",
    "nom_usage",
    "surnom",
    "sexe",
    "date_naissance",
    "lieu_naissance",
    "nationalite",
    "telephone",
    "email",
    "channel",
)


def update_usager(session: Session, usager: Usager, *, actor: str, **fields: object) -> list[str]:
    """Change the identity fields given; returns the names of the fields that changed (journaled, not values)."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "nom" in fields and not str(fields["nom"] or "").strip():
        raise UsagerError("usager.nom_required")
    if fields.get("sexe") is not None:
        fields["sexe"] = Sexe(fields["sexe"])
    if fields.get("channel") is not None:
        fields["channel"] = Channel(fields["channel"])
    changed = [name for name, value in fields.items() if getattr(usager, name) != value]
    for name in changed:
        setattr(usager, name, fields[name])
    if {"nom", "prenoms"} & set(changed):
        usager.name_key = name_key(usager.nom, usager.prenoms)
    if changed:
        record(session, actor, "usager.update", f"usager:{usager.id}", {"fields": changed})
    return changed


def documents_of(session: Session, usager_id: int, *, limit: int = 200) -> list[Document]:
    return list(
        session.scalars(
            select(Document)
            .where(Document.usager_id == usager_id)
            .order_by(Document.created_at.desc(), Document.id.desc())
            .limit(limit)
        )
    )


def contact_of(usager: Usager) -> tuple[Channel, str] | None:
    """How to reach a usager: their chosen channel if its contact is known, else SMS, else e-mail, else None.

    Channel.NONE ("no notifications") still gives a contact: a code the usager asks for must reach them;
    unsolicited notifications check `usager.channel` before calling this.
    """
    phone, email = (usager.telephone or "").strip(), (usager.email or "").strip()
    if usager.channel is Channel.EMAIL and email:
        return Channel.EMAIL, email
    if phone:
        return Channel.SMS, phone
    if email:
        return Channel.EMAIL, email
    return None


def search(session: Session, structure_id: int, text: str, *, limit: int = 20) -> list[Usager]:
    """Usagers whose normalised name contains every word typed (or whose numéro is `text`)."""
    words = normalize(text).split()
    if not words:
        return []
    query = select(Usager).where(Usager.structure_id == structure_id)
    if text.strip().isdigit():
        query = query.where(Usager.numero == text.strip())
    else:
        for word in words:
            query = query.where(Usager.name_key.contains(word))
    return list(session.scalars(query.order_by(Usager.name_key, Usager.numero).limit(limit)))


def homonyms(session: Session, usager: Usager) -> list[Usager]:
    """Other usagers of the same structure with exactly the same normalised name."""
    return list(
        session.scalars(
            select(Usager).where(
                Usager.structure_id == usager.structure_id,
                Usager.name_key == usager.name_key,
                Usager.id != usager.id,
            )
        )
    )


def issue_card(session: Session, usager: Usager, *, actor: str = "system") -> IssuedCard:
    """Revoke the usager's active cards and issue a new one."""
    now = utcnow()
    for card in _active_cards(session, usager):
        card.revoked_at, card.revoked_reason = now, "remplacée"
    token = new_token()
    card = Card(usager_id=usager.id, token_hash=token_hash(token), issued_at=now)
    usager.cards.append(card)
    session.flush()
    record(session, actor, "card.issue", f"usager:{usager.id}", {"card": card.id})
    return IssuedCard(card_id=card.id, token=token)


def revoke_card(session: Session, usager: Usager, *, reason: str, actor: str = "system") -> int:
    """Revoke every active card of the usager (lost, stolen…); returns how many were revoked."""
    now, revoked = utcnow(), 0
    for card in _active_cards(session, usager):
        card.revoked_at, card.revoked_reason = now, reason
        revoked += 1
    record(session, actor, "card.revoke", f"usager:{usager.id}", {"count": revoked})
    return revoked


def _active_cards(session: Session, usager: Usager) -> list[Card]:
    return list(session.scalars(select(Card).where(Card.usager_id == usager.id, Card.revoked_at.is_(None))))


def by_card(session: Session, token: str) -> Usager | None:
    """The usager holding this active card, or None (unknown or revoked)."""
    digest = token_hash(token)
    card = session.scalars(select(Card).where(Card.token_hash == digest)).first()
    if card is None or card.revoked_at is not None or not hmac.compare_digest(card.token_hash, digest):
        return None
    return card.usager


def open_mail_count(session: Session, usager_id: int) -> int:
    return (
        session.scalar(
            select(func.count(MailItem.id)).where(
                MailItem.usager_id == usager_id, MailItem.status.in_(OPEN_MAIL_STATUSES)
            )
        )
        or 0
    )


def age_on(usager: Usager, day: dt.date) -> int | None:
    if usager.date_naissance is None:
        return None
    born = usager.date_naissance
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
