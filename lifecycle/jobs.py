"""The scheduled jobs, by name: the same functions run by the in-process scheduler and by Celery beat."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from .domiciliation_jobs import radiate_expired, remind_end
from .env import ACTOR, JobEnv
from .mail_jobs import mark_returns, queue_new_mail, remind_uncollected
from .purge import purge_radiated
from .sender import send_due

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[JobEnv, dt.datetime], object]
    every: dt.timedelta


def notifications(env: JobEnv, now: dt.datetime) -> object:
    """Queue letters not told about yet, then send every notice whose slot (or retry) has come."""
    queue_new_mail(env, now)
    return send_due(env, now)


def mail(env: JobEnv, now: dt.datetime) -> object:
    """Monthly reminders of uncollected letters, and the return to sender after the last one."""
    return {"reminders": remind_uncollected(env, now), "returns": len(mark_returns(env, now))}


def domiciliations(env: JobEnv, now: dt.datetime) -> object:
    """Reminders before a domiciliation's end; radiation after the grace period."""
    return {"reminders": len(remind_end(env, now)), "radiated": len(radiate_expired(env, now))}


def rgpd_purge(env: JobEnv, now: dt.datetime) -> object:
    return purge_radiated(env, now)


def journal_seal(env: JobEnv, now: dt.datetime) -> object:
    """Seal the journal's head once a day (RFC 3161 token when a TSA is configured)."""
    from archive.seal import seal_if_due
    from signing.factory import journal_timestamper

    return seal_if_due(env.vault, actor=ACTOR, timestamper=journal_timestamper(env.settings))


# Order matters within one pass (run_all): reminders join a day's notice before it is sent.
JOBS: tuple[Job, ...] = (
    Job("journal_seal", journal_seal, dt.timedelta(hours=1)),
    Job("mail", mail, dt.timedelta(hours=1)),
    Job("domiciliations", domiciliations, dt.timedelta(hours=1)),
    Job("rgpd_purge", rgpd_purge, dt.timedelta(hours=6)),
    Job("notifications", notifications, dt.timedelta(minutes=5)),
)
BY_NAME = {job.name: job for job in JOBS}


def run_job(env: JobEnv, name: str, now: dt.datetime | None = None) -> object:
    job = BY_NAME[name]
    return job.run(env, now or env.clock())


def run_all(env: JobEnv, now: dt.datetime | None = None, *, skip: frozenset[str] = frozenset()) -> dict[str, object]:
    """Every job once, in order (`coffre lifecycle run`, and the tests' walks through time)."""
    now = now or env.clock()
    return {job.name: job.run(env, now) for job in JOBS if job.name not in skip}
