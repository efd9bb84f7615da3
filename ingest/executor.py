"""Run jobs in-process (a pool of worker processes, one Tesseract each) or as Celery tasks over Redis."""

from __future__ import annotations

import ctypes
import datetime as dt
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed

from sqlalchemy import update

from registry.models import IngestJob, utcnow
from registry.settings import Settings

from .context import Services
from .pipeline import run_job

log = logging.getLogger(__name__)

# One Services per worker process, created by the pool's initializer (process-local, never shared).
_WORKER: dict[str, Services] = {}


def worker_count(settings: Settings) -> int:
    return settings.queue.workers or os.cpu_count() or 1


def recover_interrupted(services: Services) -> int:
    """Jobs left 'running' by a process that died go back to the queue (embedded mode: one node)."""
    with services.sessions.begin() as session:
        result = session.execute(update(IngestJob).where(IngestJob.status == "running").values(status="queued"))
        return int(result.rowcount or 0)


def stale_running(services: Services, lease: dt.timedelta) -> int:
    """Distributed mode: a job 'running' without progress for longer than `lease` is queued again."""
    with services.sessions.begin() as session:
        result = session.execute(
            update(IngestJob)
            .where(IngestJob.status == "running", IngestJob.updated_at < utcnow() - lease)
            .values(status="queued")
        )
        return int(result.rowcount or 0)


class InProcessExecutor:
    """A pool of spawned processes; each loads its engines once (OMP_THREAD_LIMIT=1 for Tesseract)."""

    def __init__(self, settings: Settings, workers: int | None = None) -> None:
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        self._pool = ProcessPoolExecutor(
            workers or worker_count(settings),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(settings,),
        )

    def run(self, job_ids: Iterable[int], on_done: Callable[[int, str], None] | None = None) -> dict[int, str]:
        """Run each job; `job_ids` may be a generator: each job is submitted as soon as it is produced."""
        futures: dict[Future[str], int] = {self._pool.submit(_run, job_id): job_id for job_id in job_ids}
        results = {}
        for future in as_completed(futures):
            job_id = futures[future]
            try:
                results[job_id] = future.result()
            except Exception:  # noqa: BLE001 - the worker died; the job stays queued for the next run
                log.exception("ingest worker failed on job %s", job_id)
                results[job_id] = "queued"
            if on_done is not None:
                on_done(job_id, results[job_id])
        return results

    def submit(self, job_id: int) -> Future[str]:
        return self._pool.submit(_run, job_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


def _init_worker(settings: Settings) -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    one_thread_per_worker()
    _die_with_parent()
    _WORKER["services"] = Services.open(settings)


def one_thread_per_worker() -> None:
    """OpenCV's own thread pool would split each resize over every core, which the other workers already use."""
    import cv2

    cv2.setNumThreads(1)


def _die_with_parent() -> None:
    """Linux: a worker gets SIGKILL when the process that started it dies (no orphan keeps a job)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _run(job_id: int) -> str:
    return run_job(_WORKER["services"], job_id)
