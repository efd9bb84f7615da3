"""A coffre-fort on either backend (local directory or the harness's Ceph RGW) for the contract tests."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from minio import Minio
from sqlalchemy.orm import Session, sessionmaker

from archive.factory import open_vault
from archive.vault import Vault
from registry.db import make_engine, session_factory, upgrade
from registry.services.structures import ensure_structure
from registry.services.usagers import create_usager
from registry.settings import ArchiveSettings, Settings, StorageBackend, StorageSettings
from tests.harness.ceph import RgwServer


@dataclass
class Clock:
    """An injectable clock that tests move forward (no sleeping)."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, days: int) -> None:
        self.now += dt.timedelta(days=days)


@dataclass
class VaultEnv:
    vault: Vault
    sessions: sessionmaker[Session]
    settings: Settings
    clock: Clock
    usagers: list[int]
    rgw: RgwServer | None

    @property
    def raw_s3(self) -> Minio:
        assert self.rgw is not None
        return Minio(self.rgw.endpoint, access_key=self.rgw.access_key, secret_key=self.rgw.secret_key, secure=False)

    def reopen(self, **archive: object) -> Vault:
        settings = self.settings.model_copy(update={"archive": self.settings.archive.model_copy(update=archive)})
        return open_vault(settings, self.sessions, clock=self.clock)


def storage_for(kind: str, tmp_path: Path, rgw: RgwServer | None) -> StorageSettings:
    if kind == "local":
        return StorageSettings(backend=StorageBackend.LOCAL, local_dir=tmp_path / "vault")
    assert rgw is not None
    return StorageSettings(
        backend=StorageBackend.S3,
        s3_endpoint=rgw.endpoint,
        s3_access_key=rgw.access_key,
        s3_secret_key=rgw.secret_key,
        s3_bucket=f"t-{uuid.uuid4().hex[:12]}",
        s3_secure=False,
    )


def make_env(kind: str, tmp_path: Path, rgw: RgwServer | None, *, usagers: int = 2, chunk_size: int = 4096) -> VaultEnv:
    tmp_path.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{tmp_path / 'coffre.db'}"
    upgrade(url)
    sessions = session_factory(make_engine(url))
    settings = Settings(
        var_dir=tmp_path / "var",
        database_url=url,
        storage=storage_for(kind, tmp_path, rgw),
        archive=ArchiveSettings(chunk_size=chunk_size, s3_part_size=5 << 20),
    )
    with sessions.begin() as session:
        structure = ensure_structure(session, settings.structure)
        ids = [create_usager(session, structure.id, nom=f"Usager{i}", prenoms="Test").id for i in range(usagers)]
    clock = Clock()
    return VaultEnv(open_vault(settings, sessions, clock=clock), sessions, settings, clock, ids, rgw)
