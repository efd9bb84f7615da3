"""A file that kills its worker process (a native library crashing on it) is quarantined; the line goes on."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from ingest.executor import InProcessExecutor
from ingest.take import take
from registry.models import AuditEvent, IngestJob
from tests.crash_task import crash_on_poison
from tests.ingest_env import IngestEnv, letter_png, make_ingest_env


def _take(env: IngestEnv, name: str) -> int:
    taken = take(env.services, env.drop(f"courrier/{name}", letter_png(name)), Path("courrier") / name)
    assert taken.status == "queued"
    return taken.job_id


def test_a_file_that_kills_its_worker_is_quarantined_and_the_others_go_through(tmp_path: Path) -> None:
    env = make_ingest_env(tmp_path)
    ids = {name: _take(env, name) for name in ("a.png", "poison.png", "b.png", "c.png", "d.png")}
    executor = InProcessExecutor(env.settings, 2, services=env.services, task=crash_on_poison)
    try:
        results = executor.run(ids.values())
        later = _take(env, "e.png")  # the executor still works after the crash
        assert executor.submit(later).result(timeout=300) == "done"
    finally:
        executor.shutdown()
    assert results == {job_id: "quarantined" if name == "poison.png" else "done" for name, job_id in ids.items()}
    with env.services.sessions() as session:
        jobs = {job.source_name: job for job in session.scalars(select(IngestJob))}
        poison = jobs["poison.png"]
        assert poison.status == "quarantined" and poison.reason_key == "quarantine.crashed"
        assert "planter" in (poison.reason or "")
        assert Path(poison.quarantine_path or "").read_bytes() == letter_png("poison.png")
        assert poison.attempts == 2  # once in the pool, once alone
        assert {job.status for name, job in jobs.items() if name != "poison.png"} == {"done"}
        target = f"ingest:{poison.id}"
        journaled = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ingest.quarantine", AuditEvent.target == target)
        ).all()
        assert [event.details["reason"] for event in journaled] == ["quarantine.crashed"]
