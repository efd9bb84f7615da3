"""A stage that fails in an unforeseen way quarantines its job with a readable reason; the next file goes through."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from ingest import pipeline
from ingest.context import JobContext
from ingest.take import take
from registry.models import IngestJob, IngestResult
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
