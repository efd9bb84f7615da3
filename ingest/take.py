"""Take a file from a hot folder: record it, store its bytes in the coffre-fort, and only then remove it."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePath

from sqlalchemy import select

from archive.backends.local import fsync_dir
from registry import audit
from registry.i18n import t
from registry.models import IngestJob, utcnow

from .context import ACTOR, Services
from .errors import Quarantine

log = logging.getLogger(__name__)
_LIVE = ("taking", "queued", "running", "done")


@dataclass(frozen=True)
class Taken:
    job_id: int
    status: str  # queued | duplicate | quarantined | already (a leftover of a crash: removed, nothing new)


def folder_convention(relative: PurePath) -> tuple[str, str | None]:
    """courrier/… → envelopes; justificatifs/<numero>/… → that usager's documents; anything else → courrier."""
    parts = [p.casefold() for p in relative.parts[:-1]]
    for i, part in enumerate(parts):
        if part == "justificatifs" and i + 1 < len(parts):
            return "justificatifs", relative.parts[i + 1]
    return ("courrier" if "courrier" in parts else "autre"), None


def take(services: Services, path: Path, relative: PurePath, *, consume: bool = True) -> Taken:
    """Record the file as a job and deposit its raw bytes; remove it from the hot folder only after that."""
    stat = path.stat()
    identity = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino, "path": str(path)}
    folder_kind, numero = folder_convention(relative)
    limits = services.settings.ingest
    if stat.st_size > limits.max_bytes:  # never read into memory: moved aside as it is
        return _quarantine_file(
            services,
            path,
            relative,
            folder_kind,
            numero,
            consume,
            Quarantine("quarantine.too_big", mb=stat.st_size // 2**20, max_mb=limits.max_bytes // 2**20),
            identity,
        )
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    with services.sessions.begin() as session:
        earlier = session.scalars(
            select(IngestJob).where(IngestJob.sha256 == sha, IngestJob.status.in_(_LIVE)).order_by(IngestJob.id)
        ).first()
        if earlier is not None and earlier.state.get("identity") == identity:
            job_id, status, raw = earlier.id, earlier.status, earlier.raw_object_id
        elif earlier is not None:
            duplicate = _job(relative, folder_kind, numero, sha, len(data), "duplicate", identity)
            duplicate.duplicate_of_id = earlier.id
            duplicate.reason = t(
                "ingest.duplicate_of", source=earlier.source_name, date=earlier.created_at.strftime("%d/%m/%Y %H:%M")
            )
            duplicate.finished_at = utcnow()
            session.add(duplicate)
            session.flush()
            audit.record(session, ACTOR, "ingest.duplicate", f"ingest:{duplicate.id}", {"of": earlier.id})
            job_id, status, raw = duplicate.id, "duplicate", earlier.raw_object_id
        else:
            job = _job(relative, folder_kind, numero, sha, len(data), "taking", identity)
            session.add(job)
            session.flush()
            job_id, status, raw = job.id, "taking", None
    if status == "duplicate" and raw is None:  # the first copy is still being stored: keep this one for later
        return Taken(job_id, "duplicate")
    if status == "taking":
        if not data:
            return _quarantine_existing(services, job_id, path, consume, Quarantine("quarantine.empty"))
        raw_key = f"raw/{sha}"  # deterministic: a deposit made just before a crash is found, not repeated
        receipt = services.vault.find(raw_key, actor=ACTOR, sha256=sha) or services.vault.deposit(
            data, kind="scan_brut", actor=ACTOR, key=raw_key, filename=relative.name, metadata={"job": job_id}
        )
        with services.sessions.begin() as session:
            job = session.get(IngestJob, job_id)
            assert job is not None
            job.raw_object_id, job.status, job.stage = receipt.object_id, "queued", "take"
            audit.record(
                session, ACTOR, "ingest.take", f"ingest:{job_id}", {"object": receipt.object_id, "sha256": sha}
            )
        status = "queued"
    elif status != "duplicate":
        status = "already"
    if consume:
        _remove(path)
    return Taken(job_id, status)


def _job(
    relative: PurePath,
    folder_kind: str,
    numero: str | None,
    sha: str,
    size: int,
    status: str,
    identity: dict[str, object],
) -> IngestJob:
    return IngestJob(
        source_name=relative.name,
        source_path=str(relative),
        folder_kind=folder_kind,
        hint_numero=numero,
        sha256=sha,
        size=size,
        status=status,
        state={"identity": identity},
    )


def _quarantine_file(
    services: Services,
    path: Path,
    relative: PurePath,
    folder_kind: str,
    numero: str | None,
    consume: bool,
    reason: Quarantine,
    identity: dict[str, object],
) -> Taken:
    with services.sessions.begin() as session:
        job = _job(relative, folder_kind, numero, "", path.stat().st_size, "taking", identity)
        session.add(job)
        session.flush()
        job_id = job.id
    return _quarantine_existing(services, job_id, path, consume, reason)


def _quarantine_existing(services: Services, job_id: int, path: Path, consume: bool, reason: Quarantine) -> Taken:
    """Move (or copy) the original into the quarantine folder first, then record why."""
    folder = services.settings.quarantine_dir
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{job_id:06d}-{path.name}"
    tmp = target.with_name(target.name + ".tmp")
    shutil.copyfile(path, tmp)
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    fsync_dir(folder)
    with services.sessions.begin() as session:
        job = session.get(IngestJob, job_id)
        assert job is not None
        job.status, job.reason_key, job.reason = "quarantined", reason.key, str(reason)
        job.quarantine_path, job.finished_at = str(target), utcnow()
        audit.record(session, ACTOR, "ingest.quarantine", f"ingest:{job_id}", {"reason": reason.key})
    if consume:
        _remove(path)
    return Taken(job_id, "quarantined")


def _remove(path: Path) -> None:
    try:
        path.unlink()
        fsync_dir(path.parent)
    except FileNotFoundError:
        pass
