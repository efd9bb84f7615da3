"""Shared fixtures: real PostgreSQL, Redis and Ceph RGW started by the test run; a DB per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from registry.db import make_engine, session_factory, upgrade
from registry.models import Structure
from registry.services.structures import ensure_structure
from registry.settings import StructureSettings
from tests.harness.ceph import RgwServer, rgw_available, start_rgw
from tests.harness.postgres import PgServer, postgres_available, start_postgres
from tests.harness.redis import RedisServer, redis_available, start_redis

IN_CI = bool(os.environ.get("CI"))


def require(problem: str | None, service: str) -> None:
    """Skip when a service's binaries are missing on a developer machine; fail in CI."""
    if problem is None:
        return
    message = f"{service} unavailable: {problem} (run `make test` to install it)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    require(postgres_available(), "PostgreSQL")
    with start_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    require(redis_available(), "Redis")
    with start_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="session")
def rgw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RgwServer]:
    require(rgw_available(), "Ceph RGW")
    with start_rgw(tmp_path_factory.mktemp("rgw")) as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend (the same tests run on SQLite and PostgreSQL)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'coffre.db'}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.create_database()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    upgrade(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def structure(sessions: sessionmaker[Session]) -> Structure:
    with sessions.begin() as session:
        return ensure_structure(session, StructureSettings())


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The certomancer test PKI (root, intermediate, seal, TSA, OCSP, CRLs, revoked signer) on loopback."""
    from tests.harness.pki import start_pki

    with start_pki(tmp_path_factory.mktemp("pki")) as running:
        yield running
