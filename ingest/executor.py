"""Run jobs in-process (a pool of worker processes, one Tesseract each) or as Celery tasks over Redis."""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from sqlalchemy import update

from registry.models import IngestJob
from registry.settings import Settings

from .context import Services
from .pipeline import quarantine_crashed, requeue_if_running, run_job

log = logging.getLogger(__name__)

_MAX_RESENDS = 3  # pools broken under a job that was only waiting, before it too is run alone
# One Services per worker process, created by the pool's initializer (process-local, never shared).
_WORKER: dict[str, Services] = {}


def worker_count(settings: Settings) -> int:
    return settings.queue.workers or os.cpu_count() or 1


def recover_interrupted(services: Services) -> int:
    """Jobs left 'running' by a process that died go back to the queue (embedded mode: one node)."""
    with services.sessions.begin() as session:
        result = session.execute(update(IngestJob).where(IngestJob.status == "running").values(status="queued"))
        return int(result.rowcount or 0)


class InProcessExecutor:
    """A pool of spawned processes; each loads its engines once (OMP_THREAD_LIMIT=1 for Tesseract).

    A worker process that dies (a native library crashing on a file) breaks the whole pool: the pool is made anew,
    jobs that were only waiting go to it, and each job that was running is run again alone, in a process of its
    own, where a second death names the culprit, which is quarantined. The line goes on.
    """

    def __init__(
        self,
        settings: Settings,
        workers: int | None = None,
        *,
        services: Services | None = None,
        task: Callable[[int], str] | None = None,
    ) -> None:
        """`task`: what a worker runs for a job id (a module-level function; the pipeline by default)."""
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        self._settings, self._workers = settings, workers or worker_count(settings)
        self._services = services or Services.open(settings)  # the parent's: requeue or quarantine after a crash
        self._task = task or _run
        self._lock = threading.Lock()
        self._pool = self._new_pool(self._workers)
        self._recovery = ThreadPoolExecutor(1, thread_name_prefix="ingest-recovery")  # one crash at a time

    def run(self, job_ids: Iterable[int], on_done: Callable[[int, str], None] | None = None) -> dict[int, str]:
        """Run each job; `job_ids` may be a generator: each job is submitted as soon as it is produced."""
        futures: dict[Future[str], int] = {self.submit(job_id): job_id for job_id in job_ids}
        results = {}
        for future in as_completed(futures):
            job_id = futures[future]
            try:
                results[job_id] = future.result()
            except Exception:  # noqa: BLE001 - the job stays queued for the next run
                log.exception("ingest worker failed on job %s", job_id)
                results[job_id] = "queued"
            if on_done is not None:
                on_done(job_id, results[job_id])
        return results

    def submit(self, job_id: int) -> Future[str]:
        """The job's final status, once done (a crash of its worker is handled before it resolves)."""
        outcome: Future[str] = Future()
        self._send(job_id, outcome)
        return outcome

    def shutdown(self) -> None:
        self._recovery.shutdown(wait=True)
        with self._lock:
            pool = self._pool
        pool.shutdown(wait=True, cancel_futures=False)

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self._settings,),
        )

    def _send(self, job_id: int, outcome: Future[str], resent: int = 0) -> None:
        with self._lock:
            pool = self._pool
            try:
                running = pool.submit(self._task, job_id)
            except BrokenProcessPool:
                pool = self._pool = self._new_pool(self._workers)
                running = pool.submit(self._task, job_id)
        running.add_done_callback(lambda done: self._settle(job_id, done, pool, outcome, resent))

    def _settle(
        self, job_id: int, done: Future[str], pool: ProcessPoolExecutor, outcome: Future[str], resent: int
    ) -> None:
        error = done.exception()
        if not isinstance(error, BrokenProcessPool):
            if error is None:
                outcome.set_result(done.result())
            else:
                outcome.set_exception(error)
            return
        with self._lock:
            if self._pool is pool:  # the first of its jobs to hear of it replaces the pool
                self._pool = self._new_pool(self._workers)
        self._recovery.submit(self._recover, job_id, outcome, resent)

    def _recover(self, job_id: int, outcome: Future[str], resent: int) -> None:
        try:
            running = requeue_if_running(self._services, job_id)
            if running or resent >= _MAX_RESENDS:  # it was in a process that died (or always is): alone, to know
                log.warning("an ingest worker died during job %s: running it again alone", job_id)
                outcome.set_result(self._alone(job_id))
            else:  # it was only waiting in the broken pool
                self._send(job_id, outcome, resent + 1)
        except Exception as exc:  # noqa: BLE001 - reported through the job's future
            outcome.set_exception(exc)

    def _alone(self, job_id: int) -> str:
        solo = self._new_pool(1)
        try:
            return solo.submit(self._task, job_id).result()
        except BrokenProcessPool:
            log.error("ingest job %s killed its worker again, alone: quarantined", job_id)
            return quarantine_crashed(self._services, job_id)
        finally:
            solo.shutdown(wait=True)


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
