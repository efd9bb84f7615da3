"""Kiosks (bornes): registered by an admin with a random key shown once; only its SHA-256 is stored."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import record
from ..cards import secret_digest
from ..i18n import CoffreError
from ..models import KioskDevice, utcnow


class KioskError(CoffreError):
    pass


@dataclass(frozen=True)
class NewKiosk:
    kiosk_id: int
    key: str  # shown once to the admin, entered in the kiosk's configuration


def list_kiosks(session: Session, structure_id: int) -> list[KioskDevice]:
    return list(
        session.scalars(select(KioskDevice).where(KioskDevice.structure_id == structure_id).order_by(KioskDevice.id))
    )


def register_kiosk(
    session: Session, structure_id: int, name: str, *, actor: str, actor_id: int | None = None
) -> NewKiosk:
    if not name.strip():
        raise KioskError("kiosk.name_required")
    key = secrets.token_urlsafe(32)
    row = KioskDevice(
        structure_id=structure_id, name=name.strip()[:100], key_hash=secret_digest(key), created_by_id=actor_id
    )
    session.add(row)
    session.flush()
    record(session, actor, "kiosk.register", f"kiosk:{row.id}", {})
    return NewKiosk(kiosk_id=row.id, key=key)


def revoke_kiosk(session: Session, structure_id: int, kiosk_id: int, *, actor: str) -> None:
    row = session.get(KioskDevice, kiosk_id)
    if row is None or row.structure_id != structure_id:
        raise KioskError("kiosk.not_found", kiosk_id=kiosk_id)
    row.revoked_at = row.revoked_at or utcnow()
    record(session, actor, "kiosk.revoke", f"kiosk:{row.id}", {})
