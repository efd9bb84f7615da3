"""Celery over Redis: the same stage functions as the embedded pool, run by workers on other machines.

Start a worker with `celery -A ingest.celery_app worker --concurrency N`; it needs only the
database, the S3 and the broker named in its COFFRE_* settings.
"""

from __future__ import annotations

import datetime as dt

from celery import Celery, Task
from celery.signals import worker_process_init

from lifecycle import celery_tasks as lifecycle_tasks
from registry.settings import Settings

from .context import Services
from .executor import one_thread_per_worker
from .pipeline import run_job

_PROCESS: dict[str, Services] = {}  # one Services per worker process, created when the process starts


def make_celery(settings: Settings) -> Celery:
    app = Celery("coffre", broker=settings.queue.broker_url)
    app.conf.update(
        task_acks_late=True,  # a job whose worker dies is delivered again; stages are idempotent
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    app.task(name="coffre.ingest.run_job", bind=True, max_retries=None)(_run_job_task)
    lifecycle_tasks.register(app, settings)  # lifecycle jobs and beat schedule (`celery -A ingest.celery_app beat`)
    return app


def _services() -> Services:
    if "services" not in _PROCESS:
        _PROCESS["services"] = Services.open(Settings())
    return _PROCESS["services"]


def _run_job_task(task: Task, job_id: int) -> str:
    """Run the job; if it is 'running' elsewhere, look again once its lease is over: a message delivered again
    after its worker died finds the job still 'running', and only the lease tells a lost run from a slow one."""
    services = _services()
    lease = dt.timedelta(seconds=services.settings.queue.lease_seconds)
    status = run_job(services, job_id, lease=lease)
    if status == "running":
        raise task.retry(countdown=lease.total_seconds() + 1)
    return status


@worker_process_init.connect
def _init_process(**_: object) -> None:
    _PROCESS.clear()  # connections are never shared across a fork
    one_thread_per_worker()


app = make_celery(Settings())
