"""RGPD purge: radiated usagers are erased after the retention period, through the coffre-fort's destruction."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.calendar import add_months
from registry.i18n import t
from registry.models import DestructionProof, Domiciliation, DomiciliationStatus, StatusChange, Usager, VaultObject
from registry.services.purge import erase_usager_data

from .env import ACTOR, JobEnv

log = logging.getLogger(__name__)
S = DomiciliationStatus
_CLOSED = (S.RADIE, S.REFUS)


@dataclass
class PurgeSummary:
    purged: list[int] = field(default_factory=list)
    postponed: list[int] = field(default_factory=list)  # a document still under retention or legal hold


def due_for_purge(env: JobEnv, now: dt.datetime) -> list[int]:
    """Usagers whose every domiciliation is closed, radiated at least `purge_after_years` ago, not purged yet."""
    today = env.calendar.local_date(now)
    cutoff = env.calendar.at(add_months(today, -12 * env.settings.lifecycle.purge_after_years), dt.time())
    with env.sessions() as session:
        radiated = (
            select(Domiciliation.usager_id, func.max(StatusChange.at).label("at"))
            .join(StatusChange, StatusChange.domiciliation_id == Domiciliation.id)
            .where(StatusChange.to_status == S.RADIE)
            .group_by(Domiciliation.usager_id)
            .subquery()
        )
        still_open = select(Domiciliation.usager_id).where(Domiciliation.status.not_in(_CLOSED))
        return list(
            session.scalars(
                select(Usager.id)
                .join(radiated, radiated.c.usager_id == Usager.id)
                .where(Usager.purged_at.is_(None), radiated.c.at <= cutoff, Usager.id.not_in(still_open))
                .order_by(Usager.id)
            )
        )


def purge_radiated(env: JobEnv, now: dt.datetime) -> PurgeSummary:
    """Crypto-shred each due usager's documents (a destruction proof each) and blank them in the register."""
    from archive.errors import RetentionActive

    summary = PurgeSummary()
    today = now.astimezone(dt.UTC).date()  # as the vault's own retention check
    for usager_id in due_for_purge(env, now):
        with env.sessions() as session:
            blocking = session.scalar(
                select(func.count(VaultObject.id)).where(
                    VaultObject.usager_id == usager_id,
                    VaultObject.status == "stored",
                    (VaultObject.legal_hold.is_(True)) | (VaultObject.retention_until >= today),
                )
            )
        if blocking:  # kept until the last document's retention ends (checked again each day)
            summary.postponed.append(usager_id)
            continue
        reason = t("lifecycle.purge.reason", years=env.settings.lifecycle.purge_after_years)
        try:
            proofs = env.vault.erase_usager(usager_id, actor=ACTOR, reason=reason)
        except RetentionActive:
            summary.postponed.append(usager_id)
            continue
        with env.sessions.begin() as session:
            usager = session.get(Usager, usager_id)
            assert usager is not None
            proof_ids = _proof_ids(session, usager_id)
            erase_usager_data(session, usager, now, actor=ACTOR, proofs=proof_ids)
        summary.purged.append(usager_id)
        log.info("usager %d purged (%d object(s) crypto-shredded)", usager_id, len(proofs))
    return summary


def _proof_ids(session: Session, usager_id: int) -> list[int]:
    return list(
        session.scalars(
            select(DestructionProof.id)
            .join(VaultObject, VaultObject.id == DestructionProof.object_id)
            .where(VaultObject.usager_id == usager_id)
            .order_by(DestructionProof.id)
        )
    )
