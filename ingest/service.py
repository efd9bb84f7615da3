"""The long-running scanner line: hot-folder watcher, take, and workers (in-process or Celery)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType

from sqlalchemy import select

from registry.models import IngestJob
from registry.settings import QueueMode, Settings
from scanner_watch import FolderWatcher, StableFile, WatchOptions

from .context import Services
from .executor import InProcessExecutor, recover_interrupted
from .take import take

log = logging.getLogger(__name__)


class IngestService:
    """Watch the scanners' folders; each stable file is taken, then processed by a worker."""

    def __init__(self, settings: Settings, *, workers: int | None = None) -> None:
        self.settings = settings
        self.services = Services.open(settings)
        self.folders: list[Path] = settings.effective_scanner_folders
        self._stop = threading.Event()
        self._executor: InProcessExecutor | None = None
        self._celery = None
        if settings.queue.mode is QueueMode.CELERY:
            from .celery_app import make_celery

            self._celery = make_celery(settings)
        else:
            self._executor = InProcessExecutor(settings, workers, services=self.services)
        limits = settings.ingest
        self._watcher = FolderWatcher(
            self.folders,
            self._on_stable,
            WatchOptions(
                settle_seconds=limits.settle_seconds, rescan_seconds=limits.rescan_seconds, polling=limits.polling
            ),
            exclude_dirs=("quarantine", ".coffre"),
        )
        self._pending: set[Future[str]] = set()

    def start(self) -> None:
        if self._celery is None:
            recover_interrupted(self.services)
        self._resubmit_queued()
        self._watcher.start()
        threading.Thread(target=self._requeue_loop, name="ingest-requeue", daemon=True).start()

    def wait(self) -> None:
        try:
            while not self._stop.wait(1):
                pass
        except KeyboardInterrupt:
            pass

    def stop(self) -> None:
        self._stop.set()
        self._watcher.stop()
        if self._executor is not None:
            self._executor.shutdown()

    def __enter__(self) -> IngestService:
        self.start()
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _on_stable(self, found: StableFile) -> None:
        taken = take(self.services, found.path, found.relative, consume=True)
        if taken.status == "queued":
            self._submit(taken.job_id)

    def _submit(self, job_id: int) -> None:
        if self._celery is not None:
            self._celery.send_task("coffre.ingest.run_job", args=[job_id])
            return
        assert self._executor is not None
        future = self._executor.submit(job_id)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    def _resubmit_queued(self) -> None:
        with self.services.sessions() as session:
            for job_id in session.scalars(select(IngestJob.id).where(IngestJob.status == "queued")):
                self._submit(job_id)

    def _requeue_loop(self) -> None:
        """Jobs sent back to the queue (storage down, worker lost) are tried again every minute."""
        while not self._stop.wait(60):
            if not self._pending:
                try:
                    self._resubmit_queued()
                except Exception:  # noqa: BLE001 - the database may be down: next minute
                    log.exception("could not re-submit queued ingest jobs")
