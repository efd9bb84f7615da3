"""The same job functions everywhere: the in-process scheduler, Celery beat's schedule, a Celery worker on Redis."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from ingest.celery_app import make_celery
from lifecycle import jobs
from lifecycle.celery_tasks import beat_schedule, task_name
from lifecycle.env import JobEnv
from lifecycle.messages import SMS_LIMIT, is_gsm7, mail_message
from lifecycle.scheduler import InProcessScheduler
from registry.db import make_engine, session_factory, upgrade
from registry.models import MailItem, MailKind, MailStatus, Notification, NotificationItem, Structure
from registry.services import notices
from registry.services.structures import ensure_structure
from registry.settings import Settings, StructureSettings
from tests.harness.postgres import PgServer
from tests.harness.redis import RedisServer
from tests.lifecycle_env import CONTACT_SMS, ManualClock, lifecycle_env

CELERY = str(Path(sys.executable).with_name("celery"))


def test_beat_schedule_names_the_jobs_functions() -> None:
    settings = Settings(queue={"broker_url": "memory://"})  # type: ignore[arg-type]
    app = make_celery(settings)
    schedule = app.conf.beat_schedule
    assert set(schedule) == set(jobs.BY_NAME)
    for name, entry in schedule.items():
        assert entry["task"] == task_name(name)
        task = app.tasks[entry["task"]]
        assert task.run.job is jobs.BY_NAME[name], f"beat's {name} runs the same Job as the in-process scheduler"
        interval = settings.lifecycle.tick_seconds if name == "notifications" else jobs.BY_NAME[name].every.seconds
        assert entry["schedule"] == interval
    assert beat_schedule(settings) == schedule
    assert app.conf.timezone == "Europe/Paris"


def test_in_process_scheduler_runs_each_job_at_its_interval(
    sessions: sessionmaker[Session], structure: Structure
) -> None:
    calls: list[tuple[str, dt.datetime]] = []
    fake = tuple(
        jobs.Job(job.name, lambda env, now, name=job.name: calls.append((name, now)), job.every) for job in jobs.JOBS
    )
    clock = ManualClock(dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC))
    scheduler = InProcessScheduler(JobEnv(Settings(), sessions, clock), fake)
    assert scheduler.tick() == [j.name for j in jobs.JOBS], "everything runs at start"
    clock.now += dt.timedelta(minutes=5)
    assert scheduler.tick() == ["notifications"]
    clock.now += dt.timedelta(minutes=55)
    assert scheduler.tick() == ["journal_seal", "mail", "domiciliations", "notifications"]
    assert all(now == clock.now for name, now in calls[-4:]), "each job gets the injected clock's time"


def test_a_failing_job_does_not_stop_the_others(sessions: sessionmaker[Session], structure: Structure) -> None:
    ran = []

    def broken(env: JobEnv, now: dt.datetime) -> None:
        raise RuntimeError("boom")

    fake = (
        jobs.Job("a", broken, dt.timedelta(hours=1)),
        jobs.Job("b", lambda e, n: ran.append(n), dt.timedelta(hours=1)),
    )
    scheduler = InProcessScheduler(JobEnv(Settings(), sessions), fake)
    assert scheduler.tick() == ["a", "b"] and len(ran) == 1


def test_sms_texts_fit_one_gsm_message() -> None:
    structure = Structure(name="CCAS de Saint-Denis")
    for count in (1, 2, 9, 99):
        for registered in (0, 1, count):
            for step in (notices.ARRIVAL, notices.reminder_step(3)):
                items = [
                    (MailItem(kind=MailKind.RECOMMANDE if i < registered else MailKind.LETTRE), step)
                    for i in range(count)
                ]
                text = mail_message(items, structure, "").text
                assert is_gsm7(text) and len(text) <= SMS_LIMIT, text


@pytest.mark.slow
def test_a_celery_worker_on_redis_sends_the_due_notices(
    tmp_path: Path, redis_server: RedisServer, pg_server: PgServer
) -> None:
    from tests.test_cli import _env

    db_url = pg_server.create_database()
    upgrade(db_url)
    sessions = session_factory(make_engine(db_url))
    with sessions.begin() as session:
        structure = ensure_structure(session, StructureSettings())

    with lifecycle_env(tmp_path, sessions, structure, db_url, dt.datetime.now(dt.UTC)) as env:
        usager_id = env.usager("Fofana", "Binta", **CONTACT_SMS)
        with sessions.begin() as session:
            mail = MailItem(structure_id=structure.id, usager_id=usager_id, status=MailStatus.RECU,
                            received_at=dt.datetime.now(dt.UTC))  # fmt: skip
            session.add(mail)
            session.flush()
            notice = Notification(usager_id=usager_id, purpose=notices.MAIL, dedupe_key="courrier:test",
                                  due_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1), status=notices.PENDING,
                                  attempts=0, details={}, created_at=dt.datetime.now(dt.UTC))  # fmt: skip
            session.add(notice)
            session.flush()
            session.add(NotificationItem(notification_id=notice.id, mail_item_id=mail.id, step=notices.ARRIVAL))
        notify = env.settings.notify
        settings_env = {
            "COFFRE_DATABASE_URL": db_url,
            "COFFRE_QUEUE__MODE": "celery",
            "COFFRE_QUEUE__BROKER_URL": redis_server.url,
            "COFFRE_NOTIFY__SMS_URL": notify.sms_url,
            "COFFRE_NOTIFY__SMS_TOKEN": notify.sms_token.get_secret_value(),
            "COFFRE_VAR_DIR": str(tmp_path / "worker-var"),
        }
        log = (tmp_path / "worker.log").open("wb")
        worker = subprocess.Popen(
            [CELERY, "-A", "ingest.celery_app", "worker", "--concurrency", "1", "--pool", "solo", "--loglevel", "INFO"],
            cwd=tmp_path, env={**_env(**settings_env), "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            app = make_celery(Settings(queue={"broker_url": redis_server.url}))  # type: ignore[arg-type]
            app.send_task(task_name("notifications"))
            app.send_task(task_name("notifications"))  # twice: still one SMS
            deadline = time.monotonic() + 60
            while env.gateway.received.qsize() < 1 and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(2)
            received = env.gateway.drain()
        finally:
            worker.terminate()
            worker.wait(20)
        assert [body["text"] for _, body in received] == [
            "Vous avez 1 courrier au CCAS de Saint-Denis. Retrait à l'accueil avec votre carte."
        ], (tmp_path / "worker.log").read_text()[-3000:]
        with sessions() as session:
            assert session.get(Notification, notice.id).status == notices.SENT  # type: ignore[union-attr]


def test_coffre_lifecycle_run_is_idempotent(tmp_path: Path) -> None:
    from tests.test_cli import coffre

    coffre(tmp_path, "init")
    coffre(tmp_path, "demo")
    first = coffre(tmp_path, "lifecycle", "run").stdout
    reminders = re.search(r"mail : reminders (\d+)", first)
    assert reminders is not None and int(reminders.group(1)) > 0, first  # the demo's old letters
    again = coffre(tmp_path, "lifecycle", "run", "--job", "mail", "--job", "domiciliations").stdout
    assert "mail : reminders 0, returns 0" in again and "domiciliations : reminders 0, radiated 0" in again
    unknown = coffre(tmp_path, "lifecycle", "run", "--job", "nope", check=False)
    assert unknown.returncode == 2 and "tâche inconnue" in unknown.stderr


def test_coffre_run_schedules_in_process_only_without_celery(
    tmp_path: Path, sessions: sessionmaker[Session], structure: Structure
) -> None:
    from cli.context import AppContext
    from cli.main import _scheduler

    settings = Settings(var_dir=tmp_path / "var")
    app_ctx = AppContext(settings=settings)
    app_ctx.__dict__["sessions"] = sessions  # the test's database
    running = _scheduler(settings, app_ctx, vault=None)  # type: ignore[arg-type]
    assert isinstance(running, InProcessScheduler)
    running.stop()
    celery = Settings(var_dir=tmp_path / "var", queue={"mode": "celery", "broker_url": "memory://"})  # type: ignore[arg-type]
    assert _scheduler(celery, AppContext(settings=celery), vault=None) is None  # type: ignore[arg-type]
