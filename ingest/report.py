"""The `--report` contract: one JSON object per mail item or document produced (keep it stable)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import IngestJob, IngestResult, MailItem, Usager

_CHUNK = 500  # job ids per IN (…) list


def report_lines(session: Session, job_ids: Iterable[int]) -> list[dict[str, object]]:
    """source, page, status (assigned|review|unmatched|quarantined|duplicate), usager, candidates, confidence,
    kind, reason — plus job (the ingest job id) for agents who look it up.

    kind is what was found: for a letter its mail kind (lettre|recommande|avis_de_passage|colis), for a
    document its type (the cover sheet's, else the one read). Every produced line also has document (what was
    archived: "enveloppe" or the document's type); a letter's line repeats its kind as mail_kind and adds sender
    (organisation) and urgent."""
    numeros = dict(session.execute(select(Usager.id, Usager.numero)).all())
    job_ids = list(job_ids)
    jobs: dict[int, IngestJob] = {}
    results: dict[int, list[IngestResult]] = {}
    mails: dict[int, MailItem] = {}
    for start in range(0, len(job_ids), _CHUNK):  # a few queries for the whole run, not three per file
        chunk = job_ids[start : start + _CHUNK]
        jobs |= {job.id: job for job in session.scalars(select(IngestJob).where(IngestJob.id.in_(chunk)))}
        found = session.scalars(
            select(IngestResult).where(IngestResult.job_id.in_(chunk)).order_by(IngestResult.item_index)
        ).all()
        for result in found:
            results.setdefault(result.job_id, []).append(result)
        mail_ids = [r.mail_item_id for r in found if r.mail_item_id]
        mails |= {m.id: m for m in session.scalars(select(MailItem).where(MailItem.id.in_(mail_ids)))}
    lines: list[dict[str, object]] = []
    for job_id in job_ids:
        job = jobs.get(job_id)
        if job is None:
            continue
        if job.status in ("quarantined", "duplicate"):
            lines.append(_line(job, 1, job.status, None, [], 0.0, None, job.reason))
            continue
        for result in results.get(job_id, []):
            candidates = [c.get("numero") for c in result.candidates or []]
            mail = mails.get(result.mail_item_id) if result.mail_item_id else None
            lines.append(
                _line(
                    job,
                    result.first_page,
                    result.status,
                    numeros.get(result.usager_id) if result.usager_id else None,
                    candidates,
                    result.confidence or 0.0,
                    result.kind,
                    result.reason,
                )
                | {"document": result.kind}
                | _mail_fields(mail)
            )
        if job_id not in results:  # not finished (e.g. waiting for storage): say so rather than drop it
            lines.append(_line(job, 1, job.status, None, [], 0.0, None, job.reason))
    return lines


def _line(
    job: IngestJob,
    page: int,
    status: str,
    usager: str | None,
    candidates: list[object],
    confidence: float,
    kind: str | None,
    reason: str | None,
) -> dict[str, object]:
    return {
        "source": job.source_name,
        "page": page,
        "status": status,
        "usager": usager,
        "candidates": candidates,
        "confidence": round(float(confidence), 3),
        "kind": kind,
        "reason": reason,
        "job": job.id,
    }


def _mail_fields(mail: MailItem | None) -> dict[str, object]:
    if mail is None:
        return {}
    kind = mail.kind.value
    return {"kind": kind, "mail_kind": kind, "sender": mail.sender_org, "urgent": bool(mail.urgent)}
