"""A stage that fails in an unforeseen way quarantines its job with a readable reason; the next file goes through."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from ingest import pipeline
from ingest.context import JobContext
from ingest.take import take
from registry.models import IngestJob, IngestResult, utcnow
from tests.ingest_env import IngestEnv, letter_png, make_ingest_env


@pytest.fixture
def env(tmp_path: Path) -> IngestEnv:
    return make_ingest_env(tmp_path)


def _with_stage(monkeypatch: pytest.MonkeyPatch, name: str, replacement: Callable[[JobContext], None]) -> None:
    """Run the real pipeline with one stage replaced (same name: resuming goes by stage names)."""
    replacement.__name__ = name
    stages = tuple(replacement if stage.__name__ == name else stage for stage in pipeline.STAGES)
    monkeypatch.setattr(pipeline, "STAGES", stages)


def _run(env: IngestEnv, name: str, data: bytes) -> IngestJob:
    taken = take(env.services, env.drop(f"courrier/{name}", data), Path("courrier") / name)
    assert taken.status == "queued"
    pipeline.run_job(env.services, taken.job_id)
    with env.services.sessions() as session:
        job = session.get(IngestJob, taken.job_id)
        assert job is not None
        session.expunge(job)
        return job


def _assert_quarantined_internal(job: IngestJob, data: bytes, detail: str) -> None:
    assert job.status == "quarantined" and job.reason_key == "quarantine.internal"
    assert "erreur interne" in (job.reason or "") and detail in (job.reason or "")
    assert Path(job.quarantine_path or "").read_bytes() == data  # the agent has the original at hand
    assert job.raw_object_id is not None  # and it is in the coffre-fort


def test_an_unexpected_exception_quarantines_the_job_and_the_next_file_goes_through(
    env: IngestEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    def match(ctx: JobContext) -> None:
        raise RuntimeError("a bug")

    with monkeypatch.context() as patched:
        _with_stage(patched, "match", match)
        data = letter_png("Lettre un")
        job = _run(env, "un.png", data)
    _assert_quarantined_internal(job, data, "RuntimeError")
    assert job.stage == "ocr"  # the stages before it were recorded, so a retry resumes from there
    after = _run(env, "deux.png", letter_png("Lettre deux"))
    assert after.status == "done"


def test_a_stage_leaving_a_value_json_cannot_hold_does_not_leave_its_job_running(
    env: IngestEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """numpy scalars in the state once made both the stage record and the quarantine write fail: the job stayed
    'running' and the next `coffre ingest --once` took it again, forever."""
    real_split = next(stage for stage in pipeline.STAGES if stage.__name__ == "split")

    def split(ctx: JobContext) -> None:
        real_split(ctx)
        ctx.state["ink"] = np.int64(42)
        ctx.state["box"] = np.array([1, 2, 3, 4])
        ctx.state["path"] = Path("/tmp/x")

    _with_stage(monkeypatch, "split", split)
    data = letter_png("Lettre trois")
    job = _run(env, "trois.png", data)
    _assert_quarantined_internal(job, data, "TypeError")
    state = job.state or {}
    assert state["ink"] == 42 and state["box"] == [1, 2, 3, 4] and state["path"] == "/tmp/x"  # kept, as JSON can
    assert "items" in state  # what the stage produced is kept for the agent too
    with env.services.sessions() as session:
        assert session.scalars(select(IngestResult).where(IngestResult.job_id == job.id)).first() is None


def _lose(env: IngestEnv, job_id: int, *, minutes_ago: float, lost: int) -> None:
    """Leave a job as a dead worker would: 'running', its last news `minutes_ago`, lost `lost` times before."""
    with env.services.sessions.begin() as session:
        job = session.get(IngestJob, job_id)
        assert job is not None
        job.status, job.updated_at = "running", utcnow() - dt.timedelta(minutes=minutes_ago)
        job.state = {**(job.state or {}), "lost": lost} if lost else job.state


def test_a_running_job_is_taken_over_only_after_its_lease_and_quarantined_when_lost_twice(env: IngestEnv) -> None:
    lease = dt.timedelta(minutes=30)
    first = take(env.services, env.drop("courrier/p.png", letter_png("perdu")), Path("courrier/p.png")).job_id
    _lose(env, first, minutes_ago=5, lost=0)
    assert pipeline.run_job(env.services, first, lease=lease) == "running"  # perhaps only slow: left alone
    assert pipeline.run_job(env.services, first) == "running"  # and never taken without a lease (embedded mode)
    _lose(env, first, minutes_ago=31, lost=0)
    assert pipeline.run_job(env.services, first, lease=lease) == "done"
    with env.services.sessions() as session:
        job = session.get(IngestJob, first)
        assert job is not None and job.state["lost"] == 1 and len(job.state["runs"]) == 1

    data = letter_png("perdu deux fois")
    second = take(env.services, env.drop("courrier/q.png", data), Path("courrier/q.png")).job_id
    _lose(env, second, minutes_ago=31, lost=1)
    assert pipeline.run_job(env.services, second, lease=lease) == "quarantined"
    with env.services.sessions() as session:
        job = session.get(IngestJob, second)
        assert job is not None and job.reason_key == "quarantine.crashed" and job.state["lost"] == 2
        assert Path(job.quarantine_path or "").read_bytes() == data


def test_a_stage_longer_than_the_lease_is_not_taken_over_while_its_worker_lives(
    env: IngestEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OCR of a very long document can outlast the lease: its run gives news meanwhile, so a message delivered
    again finds the job running and leaves it; the job is registered once, by its first run."""
    lease = dt.timedelta(seconds=1)
    real_ocr = next(stage for stage in pipeline.STAGES if stage.__name__ == "ocr")
    in_ocr, second_look_done = threading.Event(), threading.Event()

    def ocr(ctx: JobContext) -> None:
        in_ocr.set()
        second_look_done.wait(timeout=30)  # the stage lasts until the second delivery has looked
        real_ocr(ctx)

    _with_stage(monkeypatch, "ocr", ocr)
    job_id = take(env.services, env.drop("courrier/long.png", letter_png("long")), Path("courrier/long.png")).job_id
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(pipeline.run_job, env.services, job_id, lease=lease)
        assert in_ocr.wait(timeout=30)
        time.sleep(3 * lease.total_seconds())  # well past the lease since the last stage record
        second = pipeline.run_job(env.services, job_id, lease=lease)
        second_look_done.set()
        assert second == "running" and first.result(timeout=60) == "done"
    with env.services.sessions() as session:
        job = session.get(IngestJob, job_id)
        assert job is not None and len(job.state["runs"]) == 1 and "lost" not in job.state
        assert len(session.scalars(select(IngestResult).where(IngestResult.job_id == job_id)).all()) == 1
