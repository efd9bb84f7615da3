"""Per-owner data keys: created on first deposit, unwrapped on use, re-wrapped on rotation, destroyed to shred."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError as DbIntegrityError
from sqlalchemy.orm import Session, sessionmaker

from registry.models import DataKey, utcnow

from .crypto import Keyring, new_data_key, unwrap_key, wrap_key
from .errors import Shredded


def owner_of(usager_id: int | None, structure_id: int) -> str:
    return f"usager:{usager_id}" if usager_id is not None else f"structure:{structure_id}"


def find(session: Session, owner: str) -> DataKey | None:
    return session.scalars(select(DataKey).where(DataKey.owner == owner)).first()


def get_or_create(sessions: sessionmaker[Session], keyring: Keyring, owner: str, usager_id: int | None) -> DataKey:
    """The owner's data key row, created (and committed) on first use; safe under concurrency."""
    with sessions() as session:
        row = find(session, owner)
        if row is not None:
            return row
    try:
        with sessions.begin() as session:
            row = DataKey(
                owner=owner,
                usager_id=usager_id,
                master_key_id=keyring.current,
                wrapped=wrap_key(keyring.master(keyring.current), new_data_key(), owner),
            )
            session.add(row)
        return row
    except DbIntegrityError:  # another process created it first
        with sessions() as session:
            return session.scalars(select(DataKey).where(DataKey.owner == owner)).one()


def unwrap(keyring: Keyring, row: DataKey) -> bytes:
    if row.wrapped is None:
        raise Shredded("archive.shredded")
    return unwrap_key(keyring.master(row.master_key_id), row.wrapped, row.owner)


def destroy(session: Session, row: DataKey) -> None:
    row.wrapped, row.destroyed_at = None, utcnow()


def rewrap_all(session: Session, old: Keyring, new: Keyring) -> int:
    """Re-wrap every live data key under the new current master key; the data is not touched."""
    count = 0
    for row in session.scalars(select(DataKey).where(DataKey.wrapped.is_not(None))):
        if row.master_key_id == new.current:
            continue
        plain = unwrap_key(old.master(row.master_key_id), row.wrapped, row.owner)  # type: ignore[arg-type]
        row.wrapped, row.master_key_id = wrap_key(new.master(new.current), plain, row.owner), new.current
        count += 1
    return count
