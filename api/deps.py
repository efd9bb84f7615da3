"""Request-scoped dependencies: the database session, the vault and the ingest services of the app."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from archive.vault import Vault
from registry.settings import Settings


def settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def db(request: Request) -> Iterator[Session]:
    """One session per request, committed when the handler succeeds.

    On SQLite every transaction holds the write lock: handlers that call the vault (which opens its own
    sessions) commit this one first.
    """
    session: Session = request.app.state.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def vault(request: Request) -> Vault:
    return request.app.state.vault()  # type: ignore[no-any-return]
