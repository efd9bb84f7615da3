"""The embedded default's scheduler: one thread running each job at its interval, on an injected clock."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from .env import JobEnv
from .jobs import JOBS, Job

log = logging.getLogger(__name__)


class InProcessScheduler:
    """Runs `jobs` in a daemon thread; `tick()` runs what is due now and can be called directly (tests)."""

    def __init__(self, env: JobEnv, jobs: tuple[Job, ...] = JOBS, *, poll_seconds: float | None = None) -> None:
        self.env, self.jobs = env, jobs
        self.poll_seconds = poll_seconds or min(60.0, float(env.settings.lifecycle.tick_seconds))
        self._last: dict[str, dt.datetime] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> list[str]:
        """Run every job whose interval has passed since its last run (all of them the first time)."""
        ran = []
        for job in self.jobs:
            now = self.env.clock()
            last = self._last.get(job.name)
            every = self._interval(job)
            if last is not None and now - last < every:
                continue
            self._last[job.name] = now
            try:
                job.run(self.env, now)
            except Exception:  # noqa: BLE001 - a failed run is logged and retried at the next interval
                log.exception("scheduled job %s failed", job.name)
            ran.append(job.name)
        return ran

    def _interval(self, job: Job) -> dt.timedelta:
        if job.name == "notifications":
            return dt.timedelta(seconds=self.env.settings.lifecycle.tick_seconds)
        return job.every

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="lifecycle-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.poll_seconds)
