"""A worker task for the crash test: files named poison* kill their process during OCR, as a native crash would."""

from __future__ import annotations

import os
import signal

from ingest import executor, pipeline
from ingest.context import JobContext
from ingest.stages import STAGES


def _ocr_that_crashes(ctx: JobContext) -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


_ocr_that_crashes.__name__ = "ocr"
_POISONED = tuple(_ocr_that_crashes if stage.__name__ == "ocr" else stage for stage in STAGES)


def crash_on_poison(job_id: int) -> str:
    """The pipeline, with an OCR stage that dies on poison* files (the job is claimed, 'running', by then)."""
    services = executor._WORKER["services"]
    with services.sessions() as session:
        name = JobContext.load_job(session, job_id).source_name
    pipeline.STAGES = _POISONED if name.startswith("poison") else STAGES
    return executor._run(job_id)
