"""Helpers shared by the benchmarks: databases on both backends, timing, printing."""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from registry.db import make_engine, session_factory, upgrade
from registry.services.structures import ensure_structure
from registry.settings import StructureSettings
from tests.harness.postgres import start_postgres


@contextlib.contextmanager
def databases() -> Iterator[list[tuple[str, str]]]:
    """(label, URL) of a fresh SQLite file and a fresh database on a throwaway PostgreSQL."""
    with tempfile.TemporaryDirectory() as tmp, start_postgres() as pg:
        yield [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}"), ("PostgreSQL", pg.create_database())]


def prepared(url: str):  # type: ignore[no-untyped-def]
    """Migrate the database and create the structure; returns (engine, sessions, structure id)."""
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        structure_id = ensure_structure(session, StructureSettings()).id
    return engine, sessions, structure_id


@contextlib.contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    started = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - started)
