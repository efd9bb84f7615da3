"""Pipeline status for agents and the API: how many files wait, run (per stage), are done or set aside."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import IngestJob, IngestResult

from .stages import STAGES

STAGE_NAMES = ("take", *(stage.__name__ for stage in STAGES))


@dataclass(frozen=True)
class PipelineStatus:
    queued: int = 0
    running: dict[str, int] = field(default_factory=dict)  # next stage → jobs
    done: int = 0
    quarantined: int = 0
    duplicate: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "queued": self.queued,
            "running": self.running,
            "done": self.done,
            "quarantined": self.quarantined,
            "duplicate": self.duplicate,
        }


def pipeline_status(session: Session) -> PipelineStatus:
    counts: dict[str, int] = {}
    running: dict[str, int] = {}
    rows = session.execute(
        select(IngestJob.status, IngestJob.stage, func.count()).group_by(IngestJob.status, IngestJob.stage)
    )
    for status, stage, count in rows:
        counts[status] = counts.get(status, 0) + count
        if status in ("running", "taking"):
            following = _next_stage(stage)
            running[following] = running.get(following, 0) + count
    return PipelineStatus(
        queued=counts.get("queued", 0),
        running=running,
        done=counts.get("done", 0),
        quarantined=counts.get("quarantined", 0),
        duplicate=counts.get("duplicate", 0),
    )


def _next_stage(stage: str | None) -> str:
    if stage is None:
        return "take"
    index = STAGE_NAMES.index(stage) if stage in STAGE_NAMES else 0
    return STAGE_NAMES[min(index + 1, len(STAGE_NAMES) - 1)]


@dataclass(frozen=True)
class AddressRead:
    """What the pipeline read on an envelope: the address lines and where they are on the upright page."""

    lines: list[str]
    zone: str
    box: tuple[int, int, int, int] | None
    size: tuple[int, int] | None  # of the upright page, the frame of `box`


def address_read(session: Session, mail_item_id: int) -> AddressRead | None:
    """The OCR of a mail item's address block, from its ingest job's recorded state (None if not ingested)."""
    found = session.execute(
        select(IngestResult.item_index, IngestJob.state)
        .join(IngestJob, IngestJob.id == IngestResult.job_id)
        .where(IngestResult.mail_item_id == mail_item_id)
    ).first()
    if found is None:
        return None
    index, state = found
    read = ((state or {}).get("ocr") or {}).get(str(index))
    if not isinstance(read, dict):
        return None
    box, size = read.get("box"), read.get("size")
    return AddressRead(
        lines=[str(line) for line in read.get("lines") or ()],
        zone=str(read.get("zone") or ""),
        box=tuple(int(v) for v in box) if isinstance(box, list) and len(box) == 4 else None,  # type: ignore[arg-type]
        size=tuple(int(v) for v in size) if isinstance(size, list) and len(size) == 2 else None,  # type: ignore[arg-type]
    )
