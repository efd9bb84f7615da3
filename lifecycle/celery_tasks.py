"""Distributed mode: the jobs as Celery tasks, and Celery beat's schedule naming the same functions."""

from __future__ import annotations

from collections.abc import Callable

from celery import Celery
from celery.signals import worker_process_init

from registry.settings import Settings

from .env import JobEnv
from .jobs import JOBS, Job

TASK_PREFIX = "coffre.lifecycle."
_PROCESS: dict[str, JobEnv] = {}  # one environment per worker process, built at its first task


def task_name(job_name: str) -> str:
    return TASK_PREFIX + job_name


def beat_schedule(settings: Settings) -> dict[str, dict[str, object]]:
    """One beat entry per job, at the job's interval (the notices' at COFFRE_LIFECYCLE__TICK_SECONDS)."""
    schedule: dict[str, dict[str, object]] = {}
    for job in JOBS:
        seconds = settings.lifecycle.tick_seconds if job.name == "notifications" else job.every.total_seconds()
        schedule[job.name] = {"task": task_name(job.name), "schedule": float(seconds)}
    return schedule


def register(app: Celery, settings: Settings) -> None:
    """Add the lifecycle tasks to `app` (the ingest workers' app) and its beat schedule."""
    for job in JOBS:
        app.task(name=task_name(job.name), ignore_result=True, shared=False)(_task_for(job))
    app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), **beat_schedule(settings)}
    app.conf.timezone = settings.lifecycle.timezone


def _task_for(job: Job) -> Callable[[], None]:
    def run() -> None:
        env = _env()
        job.run(env, env.clock())

    run.__name__ = run.__qualname__ = f"lifecycle_{job.name}"
    run.job = job  # type: ignore[attr-defined]  # what beat's entry runs, for the tests
    return run


def _env() -> JobEnv:
    if "env" not in _PROCESS:
        _PROCESS["env"] = JobEnv.open(Settings())
    return _PROCESS["env"]


@worker_process_init.connect
def _init_process(**_: object) -> None:
    _PROCESS.clear()  # connections are never shared across a fork
