"""RGPD erasure of a usager in the register, once the coffre-fort has crypto-shredded their documents.

What stays is what the statistics need, with nobody behind it: dates, statuses, kinds, decisions and motifs.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..audit import record
from ..i18n import t
from ..models import (
    Card,
    Channel,
    Document,
    IngestJob,
    IngestResult,
    MailItem,
    MatchFeedback,
    Procuration,
    Usager,
    UsagerAccount,
    UsagerOtp,
    UsagerSession,
)


def erase_usager_data(
    session: Session, usager: Usager, now: dt.datetime, *, actor: str, proofs: list[int]
) -> dict[str, int]:
    """Blank the usager's identity and every trace of it (names read on envelopes, OCR text, contacts, mandataires)."""
    uid = usager.id
    usager.nom, usager.prenoms, usager.name_key = t("usager.purged"), "", f"purge:{uid}"
    for name in (
        "nom_usage",
        "surnom",
        "sexe",
        "date_naissance",
        "lieu_naissance",
        "nationalite",
        "telephone",
        "email",
    ):
        setattr(usager, name, None)
    usager.channel, usager.purged_at = Channel.NONE, now
    session.execute(update(Card).where(Card.usager_id == uid, Card.revoked_at.is_(None)).values(revoked_at=now))
    session.execute(
        update(Procuration)
        .where(Procuration.usager_id == uid)
        .values(mandataire_nom="", mandataire_prenoms="", mandataire_date_naissance=None, mandataire_piece=None)
    )
    session.execute(delete(UsagerSession).where(UsagerSession.usager_id == uid))
    session.execute(delete(UsagerOtp).where(UsagerOtp.usager_id == uid))
    session.execute(delete(UsagerAccount).where(UsagerAccount.usager_id == uid))
    mail = session.execute(
        update(MailItem)
        .where(MailItem.usager_id == uid)
        .values(sender=None, addressee_key=None, candidates=[], notes=None)
    ).rowcount
    feedback = session.execute(delete(MatchFeedback).where(MatchFeedback.usager_id == uid)).rowcount
    session.execute(update(Document).where(Document.usager_id == uid).values(title=""))
    jobs = _blank_jobs(session, uid)
    counts = {"mail": mail, "feedback": feedback, "jobs": jobs, "proofs": len(proofs)}
    record(session, actor, "usager.purge", f"usager:{uid}", {**counts, "proof_ids": proofs})
    return counts


def _blank_jobs(session: Session, usager_id: int) -> int:
    """The ingest state (OCR text, addresses read) of the scans that were only this usager's."""
    job_ids = set(session.scalars(select(IngestResult.job_id).where(IngestResult.usager_id == usager_id)))
    if not job_ids:
        return 0
    shared = set(
        session.scalars(
            select(IngestResult.job_id).where(
                IngestResult.job_id.in_(job_ids),
                (IngestResult.usager_id != usager_id) | IngestResult.usager_id.is_(None),
            )
        )
    )
    own = sorted(job_ids - shared)
    if own:
        session.execute(update(IngestJob).where(IngestJob.id.in_(own)).values(state={}, source_name="", source_path=""))
        session.execute(update(IngestResult).where(IngestResult.job_id.in_(own)).values(candidates=[], reason=None))
    return len(own)
