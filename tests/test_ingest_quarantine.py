"""Every kind of bad input is quarantined with a readable reason; the watcher keeps going."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from ingest.pipeline import run_job
from ingest.take import take
from registry.models import IngestJob
from scanner_watch import FolderWatcher, StableFile, WatchOptions
from tests.bad_inputs import CASES
from tests.ingest_env import IngestEnv, make_ingest_env


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> IngestEnv:
    return make_ingest_env(tmp_path_factory.mktemp("quarantine"), max_pages=10, max_bytes=2 * 1024 * 1024)


def test_the_table_has_at_least_30_kinds() -> None:
    assert len(CASES) >= 30 and len({c[0] for c in CASES}) == len(CASES)


def test_each_bad_input_is_quarantined_with_its_reason_and_the_watcher_survives(env: IngestEnv) -> None:
    processed: dict[str, int] = {}
    done = threading.Event()

    def on_stable(found: StableFile) -> None:
        taken = take(env.services, found.path, found.relative)
        if taken.status == "queued":
            run_job(env.services, taken.job_id)
        processed[found.relative.name] = taken.job_id
        done.set()

    options = WatchOptions(settle_seconds=0.2, rescan_seconds=1.0)
    failures = []
    with FolderWatcher([env.hot], on_stable, options) as watcher:
        for name, filename, build, expected in CASES:
            data = build()
            done.clear()
            env.drop(f"courrier/{filename}", data)
            deadline = time.monotonic() + 30
            while filename not in processed and time.monotonic() < deadline:
                done.wait(0.5)
            assert watcher.alive, f"watcher died after {name}"
            if filename not in processed:
                failures.append(f"{name}: never taken")
                continue
            with env.services.sessions() as session:
                job = session.get(IngestJob, processed[filename])
            if job.status != "quarantined" or expected.casefold() not in (job.reason or "").casefold():
                failures.append(f"{name}: {job.status} / {job.reason!r} (expected {expected!r})")
                continue
            kept = Path(job.quarantine_path)
            if kept.read_bytes() != data:
                failures.append(f"{name}: quarantine copy differs from the original")
            assert not (env.hot / "courrier" / filename).exists(), f"{name} left in the hot folder"
            processed.pop(filename)
    assert failures == []
    with env.services.sessions() as session:
        assert len(session.scalars(select(IngestJob).where(IngestJob.status == "quarantined")).all()) == len(CASES)
