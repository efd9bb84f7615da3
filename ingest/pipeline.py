"""Run a job's stages in order, resuming after the last one recorded; quarantine what cannot go through."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import OperationalError

from archive.errors import StorageUnavailable
from registry import audit
from registry.models import IngestJob, utcnow

from .context import ACTOR, JobContext, Services
from .errors import Quarantine
from .inspect import SourceInfo
from .pages import PageRenderer
from .stages import STAGES

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
MAX_LOST = 2  # runs lost with their worker (distributed mode) before the job is taken for the cause


def run_job(services: Services, job_id: int, *, lease: dt.timedelta | None = None) -> str:
    """Process one job to its end (or to quarantine); safe to call again after a crash at any point.

    `lease` (distributed mode): a job 'running' without news for longer is taken as lost with its worker and
    taken over; a job lost that way `MAX_LOST` times is quarantined (it kills whatever worker runs it). While
    this run is alive it gives news every third of the lease, so a stage longer than the lease is not taken over.
    """
    with services.sessions.begin() as session:
        claimable = IngestJob.status == "queued"
        if lease is not None:
            lost = and_(IngestJob.status == "running", IngestJob.updated_at < utcnow() - lease)
            claimable = or_(claimable, lost)
        was_lost = session.scalar(select(IngestJob.status).where(IngestJob.id == job_id)) == "running"
        claimed = session.execute(
            update(IngestJob)
            .where(IngestJob.id == job_id, claimable, IngestJob.raw_object_id.is_not(None))
            .values(status="running", attempts=IngestJob.attempts + 1, updated_at=utcnow())
        ).rowcount
        job = JobContext.load_job(session, job_id)
        if not claimed:  # finished, quarantined, or being run by another worker: nothing to do here
            return job.status
        ctx = _context(services, job)
        runs = [*ctx.state.get("runs", []), f"{socket.gethostname()}:{os.getpid()}"]  # type: ignore[misc]
        ctx.state["runs"] = runs
        if was_lost:  # counted now: a worker dying again before the next stage record must not reset it
            ctx.state["lost"] = int(ctx.state.get("lost", 0)) + 1  # type: ignore[call-overload]
            job.state = dict(ctx.state)
        done_stage, attempts = job.stage, job.attempts
    if int(ctx.state.get("lost", 0)) >= MAX_LOST:  # type: ignore[call-overload]
        return quarantine_crashed(services, job_id)
    with _heartbeat(services, job_id, lease):
        return _run_stages(services, ctx, done_stage, attempts)


def _run_stages(services: Services, ctx: JobContext, done_stage: str, attempts: int) -> str:
    job_id = ctx.job_id
    try:
        ctx.data = services.vault.read_bytes(ctx.raw_object_id, actor=ACTOR, reason="traitement du scan")
        names = [stage.__name__ for stage in STAGES]
        start = names.index(done_stage) + 1 if done_stage in names else 0
        if start > 0:  # resume: the file's type is known from the recorded inspection
            info: dict[str, Any] = ctx.state["info"]  # type: ignore[assignment]
            ctx.info = SourceInfo(info["type"], info["pages"], info["mime"], scan_mode=info.get("mode", ""))
        for stage in STAGES[start:]:
            if ctx.info is not None and ctx.render is None:
                ctx.render = PageRenderer(ctx.data, ctx.info, services.settings.ingest)
            stage(ctx)
            _record_stage(services, job_id, stage.__name__, ctx.state, last=stage is STAGES[-1])
        if start == len(STAGES):  # every stage was recorded before the process stopped: only the end is missing
            _record_stage(services, job_id, STAGES[-1].__name__, ctx.state, last=True)
    except Quarantine as reason:
        return _quarantine(services, ctx, reason)
    except (StorageUnavailable, OperationalError) as exc:  # infrastructure: retry later, then give up
        log.warning("ingest job %s: %s (attempt %s)", job_id, type(exc).__name__, attempts)
        if attempts >= MAX_ATTEMPTS:
            return _quarantine(services, ctx, Quarantine("quarantine.storage", detail=type(exc).__name__))
        _set_status(services, job_id, "queued")
        return "queued"
    except Exception as exc:  # noqa: BLE001 - a bad file must not stop the line
        log.exception("ingest job %s failed", job_id)
        cause = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps what the driver or the JSON encoder raised
        return _quarantine(services, ctx, Quarantine("quarantine.internal", detail=type(cause).__name__))
    shutil.rmtree(ctx.settings.var_dir.resolve() / "work" / f"job-{job_id}", ignore_errors=True)
    return "done"


@contextmanager
def _heartbeat(services: Services, job_id: int, lease: dt.timedelta | None) -> Iterator[None]:
    """Touch the running job every third of `lease` from a thread, until the block ends (no lease: nothing)."""
    if lease is None:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            try:
                with services.sessions.begin() as session:
                    session.execute(
                        update(IngestJob)
                        .where(IngestJob.id == job_id, IngestJob.status == "running")
                        .values(updated_at=utcnow())
                    )
            except OperationalError as exc:  # the database busy or away: the next beat tries again
                log.warning("ingest job %s: heartbeat failed (%s)", job_id, type(exc).__name__)

    thread = threading.Thread(target=beat, name=f"ingest-heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _context(services: Services, job: IngestJob) -> JobContext:
    state = dict(job.state or {})
    return JobContext(services, job.id, job.source_name, job.folder_kind, job.hint_numero, job.raw_object_id, state)


def requeue_if_running(services: Services, job_id: int) -> bool:
    """Put back in the queue a job whose worker process died under it; whether it was running."""
    with services.sessions.begin() as session:
        moved = session.execute(
            update(IngestJob).where(IngestJob.id == job_id, IngestJob.status == "running").values(status="queued")
        ).rowcount
    return bool(moved)


def quarantine_crashed(services: Services, job_id: int) -> str:
    """Set aside a file whose processing killed its worker process even when run alone (a native library crashing
    on it): otherwise every restart would take it again and crash again."""
    with services.sessions() as session:
        job = JobContext.load_job(session, job_id)
        if job.status not in ("queued", "running"):  # finished after all
            return job.status
        ctx = _context(services, job)
    if ctx.raw_object_id is not None:
        ctx.data = services.vault.read_bytes(ctx.raw_object_id, actor=ACTOR, reason="mise en quarantaine")
    return _quarantine(services, ctx, Quarantine("quarantine.crashed"))


def _record_stage(services: Services, job_id: int, stage: str, state: dict[str, object], *, last: bool) -> None:
    """One UPDATE: the stage completed and the state it leaves; after the last stage, the job is done with it."""
    values: dict[str, object] = {"stage": stage, "state": dict(state), "updated_at": utcnow()}
    if last:
        values |= {"status": "done", "finished_at": utcnow()}
    with services.sessions.begin() as session:
        session.execute(update(IngestJob).where(IngestJob.id == job_id).values(**values))


def _set_status(services: Services, job_id: int, status: str) -> None:
    with services.sessions.begin() as session:
        JobContext.load_job(session, job_id).status = status


def _quarantine(services: Services, ctx: JobContext, reason: Quarantine) -> str:
    """Keep a copy of the original in the quarantine folder (its bytes stay in the coffre-fort too)."""
    folder = services.settings.quarantine_dir
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{ctx.job_id:06d}-{ctx.source_name}"
    if ctx.data and not target.exists():
        target.write_bytes(ctx.data)
    with services.sessions.begin() as session:
        job = JobContext.load_job(session, ctx.job_id)
        job.status, job.reason_key, job.reason = "quarantined", reason.key, str(reason)
        job.quarantine_path, job.finished_at, job.state = str(target), utcnow(), _json_safe(ctx.state)
        audit.record(session, ACTOR, "ingest.quarantine", f"ingest:{ctx.job_id}", {"reason": reason.key})
    log.info("ingest job %s quarantined: %s", ctx.job_id, reason.key)
    return "quarantined"


def _json_safe(state: dict[str, object]) -> dict[str, object]:
    """The state as JSON can hold it: a stage that left a value it cannot (a numpy scalar, a path) must not stop
    its own quarantine, or the job would stay 'running' and be taken again by every run."""
    return dict(json.loads(json.dumps(state, default=_plain)))


def _plain(value: object) -> object:
    as_list = getattr(value, "tolist", None)  # numpy scalars and arrays
    return as_list() if callable(as_list) else str(value)


def reset_for_retry(services: Services, job_id: int, *, actor: str = ACTOR) -> None:
    """Send a quarantined job through the pipeline again from the start (`coffre quarantine retry`)."""
    with services.sessions.begin() as session:
        if session.get(IngestJob, job_id) is None:
            raise Quarantine("quarantine.job_not_found", job_id=job_id)
        job: IngestJob = JobContext.load_job(session, job_id)
        if job.status != "quarantined":
            raise Quarantine("quarantine.not_quarantined", job_id=job_id)
        if job.raw_object_id is None:
            raise Quarantine("quarantine.not_stored", reason=job.reason or "")
        job.status, job.stage, job.reason_key, job.reason = "queued", "take", None, None
        job.state = {"identity": (job.state or {}).get("identity")}
        audit.record(session, actor, "ingest.retry", f"ingest:{job_id}")
