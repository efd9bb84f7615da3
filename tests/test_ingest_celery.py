"""Distributed: two Celery workers over the harness's Redis, PostgreSQL and Ceph RGW; each job runs once."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.corpus import generate_corpus
from registry.db import make_engine, session_factory
from registry.models import AuditEvent, IngestJob, IngestResult, VaultObject
from tests.harness.ceph import RgwServer
from tests.harness.postgres import PgServer
from tests.harness.redis import RedisServer
from tests.test_cli import _env, coffre

FILES = 50
PAGES = 6  # of the long job whose worker is killed
CELERY = str(Path(sys.executable).with_name("celery"))
COFFRE = str(Path(sys.executable).with_name("coffre"))


def _settings_env(pg_server: PgServer, redis_server: RedisServer, rgw: RgwServer, bucket: str) -> dict[str, str]:
    key = base64.b64encode(os.urandom(32)).decode()
    return {
        "COFFRE_DATABASE_URL": pg_server.create_database(),
        "COFFRE_STORAGE__BACKEND": "s3",
        "COFFRE_STORAGE__S3_ENDPOINT": rgw.endpoint,
        "COFFRE_STORAGE__S3_ACCESS_KEY": rgw.access_key,
        "COFFRE_STORAGE__S3_SECRET_KEY": rgw.secret_key,
        "COFFRE_STORAGE__S3_BUCKET": bucket,
        "COFFRE_STORAGE__S3_SECURE": "false",
        "COFFRE_QUEUE__MODE": "celery",
        "COFFRE_QUEUE__BROKER_URL": redis_server.url,
        "COFFRE_ARCHIVE__MASTER_KEYS": json.dumps({"k1": key}),
        "COFFRE_ARCHIVE__CURRENT_MASTER_KEY": "k1",
    }


@contextmanager
def _workers(tmp_path: Path, settings_env: dict[str, str], names: tuple[str, ...] = ("w1", "w2")) -> Iterator[None]:
    """Celery workers of one process each, every one with its own disk: only the DB, the S3 and the broker are
    shared."""
    workers = []
    for name in names:
        home = tmp_path / name
        home.mkdir()
        log = (home / "worker.log").open("wb")
        command = [CELERY, "-A", "ingest.celery_app", "worker", "--concurrency", "1", "--pool", "prefork"]
        workers.append(
            subprocess.Popen(
                [*command, "-n", f"{name}@%h", "--loglevel", "INFO"],
                cwd=home,
                env={**_env(**settings_env), "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    try:
        yield
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)


def _front(tmp_path: Path, corpus: Path, settings_env: dict[str, str]) -> Path:
    front = tmp_path / "front"
    front.mkdir()
    coffre(front, "init", **settings_env)
    coffre(front, "usagers", "import", str(corpus / "registry.csv"), **settings_env)
    (front / "var" / "scanner" / "courrier").mkdir(parents=True)
    return front


def _scans(corpus: Path) -> list[Path]:
    return [scan for scan in sorted((corpus / "scans").iterdir()) if scan.suffix in (".jpg", ".png", ".pdf")]


@pytest.mark.slow
def test_two_celery_workers_process_each_of_50_files_exactly_once(
    tmp_path: Path, pg_server: PgServer, redis_server: RedisServer, rgw: RgwServer
) -> None:
    corpus = tmp_path / "corpus"
    generate_corpus(corpus, usagers=200, scans=FILES, seed=8)
    settings_env = _settings_env(pg_server, redis_server, rgw, "distributed")
    front = _front(tmp_path, corpus, settings_env)
    with _workers(tmp_path, settings_env):
        for scan in _scans(corpus):
            shutil.copy(scan, front / "var" / "scanner" / "courrier" / scan.name)
        started = time.monotonic()
        result = coffre(front, "ingest", "--once", "--report", "report.jsonl", **settings_env)
        elapsed = time.monotonic() - started
        print(f"\n{FILES} files through 2 Celery workers: {elapsed:.1f} s")
        lines = [json.loads(line) for line in (front / "report.jsonl").read_text().splitlines()]
        assert len(lines) == FILES and all(line["status"] in ("assigned", "review", "unmatched") for line in lines)
        assert result.returncode == 0
    sessions = session_factory(make_engine(settings_env["COFFRE_DATABASE_URL"]))
    with sessions() as s:
        jobs = s.scalars(select(IngestJob)).all()
        assert len(jobs) == FILES and {j.status for j in jobs} == {"done"}
        assert {j.attempts for j in jobs} == {1}
        runs = Counter(run.split(":")[1] for j in jobs for run in j.state["runs"])
        assert all(len(j.state["runs"]) == 1 for j in jobs)
        assert len(runs) == 2, runs  # both workers took part
        registered = Counter(
            e.target for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "ingest.register"))
        )
        assert len(registered) == FILES and set(registered.values()) == {1}
        assert s.scalar(select(func.count()).select_from(IngestResult)) == FILES
        assert s.scalar(select(func.count()).select_from(VaultObject).where(VaultObject.kind == "scan_brut")) == FILES


@pytest.mark.slow
def test_a_job_whose_worker_process_is_killed_is_taken_over_after_its_lease(
    tmp_path: Path, pg_server: PgServer, redis_server: RedisServer, rgw: RgwServer
) -> None:
    """The message comes back when its worker dies, but the job is still 'running': it is looked at again once the
    lease is over and taken over then, from the last stage recorded; every item is registered once."""
    corpus = tmp_path / "corpus"
    generate_corpus(corpus, usagers=200, scans=16, seed=9)
    settings_env = {**_settings_env(pg_server, redis_server, rgw, "lost"), "COFFRE_QUEUE__LEASE_SECONDS": "3"}
    front = _front(tmp_path, corpus, settings_env)
    hot = front / "var" / "scanner" / "courrier"
    scans = [scan for scan in _scans(corpus) if scan.suffix == ".jpg"]
    pages = [Image.open(scan).convert("L") for scan in scans[:PAGES]]
    pages[0].save(hot / "lot.pdf", save_all=True, append_images=pages[1:], resolution=200)  # a long job
    for scan in scans[PAGES:]:
        shutil.copy(scan, hot / scan.name)
    files = 1 + len(scans) - PAGES
    sessions = session_factory(make_engine(settings_env["COFFRE_DATABASE_URL"]))
    with _workers(tmp_path, settings_env):
        ingest = subprocess.Popen(
            [COFFRE, "ingest", "--once"],
            cwd=front,
            env=_env(**settings_env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        victim = _kill_while_in_ocr(sessions, "lot.pdf", timeout=300)
        _, errors = ingest.communicate(timeout=900)
        assert ingest.returncode == 0, errors[-3000:]
    with sessions() as s:
        jobs = {j.source_name: j for j in s.scalars(select(IngestJob))}
        assert len(jobs) == files and {j.status for j in jobs.values()} == {"done"}
        lot = jobs["lot.pdf"]
        assert lot.attempts == 2 and lot.state["lost"] == 1
        assert [run.split(":")[1] for run in lot.state["runs"]][0] == str(victim)
        assert len(lot.state["runs"]) == 2 and lot.state["runs"][1] != lot.state["runs"][0]
        assert {j.attempts for name, j in jobs.items() if name != "lot.pdf"} == {1}
        items = Counter(r.job_id for r in s.scalars(select(IngestResult)))
        assert items[lot.id] == PAGES and sum(items.values()) == PAGES + files - 1
        registered = Counter(
            (e.target, e.details["item"])
            for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "ingest.register"))
        )
        assert set(registered.values()) == {1} and len(registered) == PAGES + files - 1


def _kill_while_in_ocr(sessions: sessionmaker[Session], source: str, *, timeout: float) -> int:
    """SIGKILL the worker process running `source` once its job is past the split (reading its pages)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as s:
            job = s.scalars(select(IngestJob).where(IngestJob.source_name == source)).first()
            if job is not None and job.status == "running" and job.stage in ("split", "preprocess"):
                pid = int(job.state["runs"][-1].split(":")[1])
                os.kill(pid, signal.SIGKILL)
                return pid
        time.sleep(0.02)
    raise AssertionError(f"{source} was never seen in OCR")
