"""The `--report` contract: one JSON object per mail item or document produced (keep it stable)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import IngestJob, IngestResult, MailItem, Usager


def report_lines(session: Session, job_ids: Iterable[int]) -> list[dict[str, object]]:
    """source, page, status (assigned|review|unmatched|quarantined|duplicate), usager, candidates, confidence,
    kind, reason — plus job (the ingest job id) for agents who look it up.

    kind is what was found: for a letter its mail kind (lettre|recommande|avis_de_passage|colis), for a
    document its type (the cover sheet's, else the one read). Every produced line also has document (what was
    archived: "enveloppe" or the document's type); a letter's line repeats its kind as mail_kind and adds sender
    (organisation) and urgent."""
    numeros = dict(session.execute(select(Usager.id, Usager.numero)).all())
    lines: list[dict[str, object]] = []
    for job_id in job_ids:
        job = session.get(IngestJob, job_id)
        if job is None:
            continue
        if job.status in ("quarantined", "duplicate"):
            lines.append(_line(job, 1, job.status, None, [], 0.0, None, job.reason))
            continue
        results = session.scalars(
            select(IngestResult).where(IngestResult.job_id == job_id).order_by(IngestResult.item_index)
        )
        found = False
        for result in results:
            found = True
            candidates = [c.get("numero") for c in result.candidates or []]
            mail = session.get(MailItem, result.mail_item_id) if result.mail_item_id else None
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
        if not found:  # not finished (e.g. waiting for storage): say so rather than drop it
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
