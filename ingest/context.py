"""What the stages share: the services of one worker process and the context of one job."""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from archive.factory import open_vault
from archive.vault import Vault
from registry.db import make_engine, session_factory
from registry.models import IngestJob, MailItem, Structure, Usager, utcnow
from registry.services.notices import mail_notifier
from registry.settings import Settings

from .inspect import SourceInfo

if TYPE_CHECKING:
    from classifier.engine import Classifier
    from classifier.history import SenderHistory
    from classifier.matching import UsagerIndex
    from ocr.address import AddressReader
    from ocr.marks import MarkReader

log = logging.getLogger(__name__)

ACTOR = "ingest"
# Called after a mail item is registered for a usager (the lifecycle issue plugs notifications in here).
Notifier = Callable[[Session, MailItem], None]


@dataclass
class Services:
    """One worker process's connections and loaded engines (Tesseract, the usager index)."""

    settings: Settings
    sessions: sessionmaker[Session]
    vault: Vault
    notifier: Notifier | None = None
    _index: tuple[tuple[int, object], UsagerIndex] | None = None

    @classmethod
    def open(cls, settings: Settings, *, notifier: Notifier | None = None) -> Services:
        sessions = session_factory(make_engine(settings.effective_database_url))
        if notifier is None:  # the lifecycle's batched notices (registry/services/notices.py)
            notifier = mail_notifier(settings.lifecycle)
        return cls(settings, sessions, open_vault(settings, sessions), notifier)

    @cached_property
    def reader(self) -> AddressReader:
        from ocr.address import AddressReader

        return AddressReader(self.settings.structure, dpi=self.settings.ingest.raster_dpi)

    @cached_property
    def marks(self) -> MarkReader:
        """The envelope's other marks (sender, labels), read with the address reader's engine."""
        from ocr.marks import MarkReader

        return MarkReader(self.reader.engine)

    @cached_property
    def classifier(self) -> Classifier:
        from classifier.engine import Classifier

        return Classifier.open(self.settings)

    @cached_property
    def structure_id(self) -> int:
        with self.sessions() as session:
            structure_id = session.scalar(select(Structure.id).order_by(Structure.id).limit(1))
        if structure_id is None:
            raise RuntimeError("database not initialised (coffre init)")
        return structure_id

    def index(self) -> UsagerIndex:
        """The usager index, rebuilt when the register changed since it was loaded."""
        from classifier.matching import UsagerIndex
        from registry.models import StatusChange

        with self.sessions() as session:
            version = session.execute(
                select(
                    func.count(Usager.id),
                    func.max(Usager.updated_at),
                    select(func.max(StatusChange.id)).scalar_subquery(),  # a radiation makes a usager inactive
                ).where(Usager.structure_id == self.structure_id)
            ).one()
            if self._index is None or self._index[0] != tuple(version):
                self._index = (tuple(version), UsagerIndex.load(session, self.structure_id))
        return self._index[1]

    def history(self) -> SenderHistory:
        from classifier.history import SenderHistory

        with self.sessions() as session:
            return SenderHistory.load(session, self.structure_id)


@dataclass
class Item:
    """One mail item or document cut from a file: its pages and what is known of it."""

    index: int
    pages: list[int]  # 0-based page numbers in the file
    kind: str  # enveloppe | a justificatif kind
    numero: str | None = None  # usager named by the folder or a cover sheet
    source: str = "page"  # page | folder | cover

    @property
    def first_page(self) -> int:
        return self.pages[0] + 1

    def to_json(self) -> dict[str, object]:
        return {
            "index": self.index,
            "pages": self.pages,
            "kind": self.kind,
            "numero": self.numero,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, doc: dict[str, object]) -> Item:
        return cls(
            int(doc["index"]),
            list(doc["pages"]),
            str(doc["kind"]),
            doc.get("numero"),  # type: ignore[arg-type]
            str(doc.get("source", "page")),
        )


@dataclass
class JobContext:
    """One job as the stages see it; `state` is saved to the job row after each stage."""

    services: Services
    job_id: int
    source_name: str
    folder_kind: str
    hint_numero: str | None
    raw_object_id: int
    state: dict[str, object]
    data: bytes = b""
    info: SourceInfo | None = None
    _pages: OrderedDict[int, np.ndarray] = field(default_factory=OrderedDict)
    render: Callable[[int], np.ndarray] | None = None
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def items(self) -> list[Item]:
        return [Item.from_json(d) for d in self.state.get("items", [])]  # type: ignore[union-attr]

    def page(self, number: int) -> np.ndarray:
        """Page `number` (0-based), rendered on demand; a few recent pages are kept."""
        if number not in self._pages:
            assert self.render is not None
            self._pages[number] = self.render(number)
            while len(self._pages) > 8:
                self._pages.popitem(last=False)
        return self._pages[number]

    def checkpoint(self) -> None:
        """Save the stages' outputs now (long stages call it between items)."""
        with self.services.sessions.begin() as session:
            session.execute(
                update(IngestJob).where(IngestJob.id == self.job_id).values(state=dict(self.state), updated_at=utcnow())
            )

    def workdir(self) -> Path:
        path = self.settings.var_dir.resolve() / "work" / f"job-{self.job_id}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @staticmethod
    def load_job(session: Session, job_id: int) -> IngestJob:
        job = session.get(IngestJob, job_id)
        if job is None:
            raise KeyError(job_id)
        return job
