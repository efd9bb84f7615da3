"""Build the vault that the settings describe (local directory or S3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from registry.settings import Settings, StorageBackend

from .backends import Backend
from .backends.local import LocalBackend
from .crypto import Keyring
from .vault import Vault


def make_backend(settings: Settings, *, clock: Callable[[], dt.datetime] | None = None) -> Backend:
    if settings.storage.backend is StorageBackend.S3:
        from .backends.s3 import S3Backend  # minio is imported for an S3 vault only (0.13 s a process)

        return S3Backend(settings.storage, part_size=settings.archive.s3_part_size)
    return LocalBackend(settings.vault_dir, clock=clock)


def open_vault(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    clock: Callable[[], dt.datetime] | None = None,
    ensure: bool = True,
) -> Vault:
    backend = make_backend(settings, clock=clock)
    if ensure:
        backend.ensure_ready()
    return Vault(sessions, backend, Keyring.from_settings(settings), settings.archive, clock=clock)
