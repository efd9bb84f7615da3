"""Distributed: two Celery workers over the harness's Redis, PostgreSQL and Ceph RGW; each job runs once."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.corpus import generate_corpus
from registry.db import make_engine, session_factory
from registry.models import AuditEvent, IngestJob, IngestResult, VaultObject
from tests.harness.ceph import RgwServer
from tests.harness.postgres import PgServer
from tests.harness.redis import RedisServer
from tests.test_cli import coffre

FILES = 50
CELERY = str(Path(sys.executable).with_name("celery"))


@pytest.mark.slow
def test_two_celery_workers_process_each_of_50_files_exactly_once(
    tmp_path: Path, pg_server: PgServer, redis_server: RedisServer, rgw: RgwServer
) -> None:
    corpus = tmp_path / "corpus"
    generate_corpus(corpus, usagers=200, scans=FILES, seed=8)
    url = pg_server.create_database()
    key = base64.b64encode(os.urandom(32)).decode()
    settings_env = {
        "COFFRE_DATABASE_URL": url,
        "COFFRE_STORAGE__BACKEND": "s3",
        "COFFRE_STORAGE__S3_ENDPOINT": rgw.endpoint,
        "COFFRE_STORAGE__S3_ACCESS_KEY": rgw.access_key,
        "COFFRE_STORAGE__S3_SECRET_KEY": rgw.secret_key,
        "COFFRE_STORAGE__S3_BUCKET": "distributed",
        "COFFRE_STORAGE__S3_SECURE": "false",
        "COFFRE_QUEUE__MODE": "celery",
        "COFFRE_QUEUE__BROKER_URL": redis_server.url,
        "COFFRE_ARCHIVE__MASTER_KEYS": json.dumps({"k1": key}),
        "COFFRE_ARCHIVE__CURRENT_MASTER_KEY": "k1",
    }
    front = tmp_path / "front"
    front.mkdir()
    coffre(front, "init", **settings_env)
    coffre(front, "usagers", "import", str(corpus / "registry.csv"), **settings_env)
    from tests.test_cli import _env

    workers = []
    for name in ("w1", "w2"):
        home = tmp_path / name  # each worker has its own disk: only the DB, the S3 and the broker are shared
        home.mkdir()
        log = (home / "worker.log").open("wb")
        workers.append(
            subprocess.Popen(
                [
                    CELERY,
                    "-A",
                    "ingest.celery_app",
                    "worker",
                    "--concurrency",
                    "1",
                    "--pool",
                    "prefork",
                    "-n",
                    f"{name}@%h",
                    "--loglevel",
                    "INFO",
                ],
                cwd=home,
                env={**_env(**settings_env), "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    try:
        hot = front / "var" / "scanner" / "courrier"
        hot.mkdir(parents=True)
        for scan in sorted((corpus / "scans").iterdir()):
            if scan.suffix in (".jpg", ".png", ".pdf"):
                shutil.copy(scan, hot / scan.name)
        started = time.monotonic()
        result = coffre(front, "ingest", "--once", "--report", "report.jsonl", **settings_env)
        elapsed = time.monotonic() - started
        print(f"\n{FILES} files through 2 Celery workers: {elapsed:.1f} s")
        lines = [json.loads(line) for line in (front / "report.jsonl").read_text().splitlines()]
        assert len(lines) == FILES and all(line["status"] in ("assigned", "review", "unmatched") for line in lines)
        assert result.returncode == 0
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
    sessions = session_factory(make_engine(url))
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
