"""The organisme domiciliataire's record, kept in step with its settings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import record
from ..models import Structure
from ..settings import StructureSettings

_FIELDS = (
    "name",
    "service",
    "address_lines",
    "postcode",
    "town",
    "agrement_number",
    "prefecture",
    "phone",
    "email",
    "responsable",
)


def current_structure(session: Session) -> Structure | None:
    return session.scalars(select(Structure).order_by(Structure.id).limit(1)).first()


def ensure_structure(session: Session, identity: StructureSettings, *, actor: str = "system") -> Structure:
    """Create the structure from settings, or update its identity when the settings changed."""
    structure = current_structure(session)
    wanted = identity.model_dump(include=set(_FIELDS))
    if structure is None:
        structure = Structure(**wanted)
        session.add(structure)
        session.flush()
        record(session, actor, "structure.create", f"structure:{structure.id}")
        return structure
    changed = sorted(k for k, v in wanted.items() if getattr(structure, k) != v)
    if changed:
        for key in changed:
            setattr(structure, key, wanted[key])
        record(session, actor, "structure.update", f"structure:{structure.id}", {"fields": changed})
    return structure
