"""Alembic migrations: up, down, up again on both databases, and no drift from the ORM."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from registry.db import downgrade, make_engine, upgrade
from registry.models import Base

ROOT = Path(__file__).resolve().parents[1]


def _drift(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
            return list(compare_metadata(ctx, Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_without_drift(db_url: str) -> None:
    upgrade(db_url)
    assert _tables(db_url) == set(Base.metadata.tables)
    assert _drift(db_url) == []
    downgrade(db_url, "base")
    assert _tables(db_url) == set()
    upgrade(db_url)
    assert _drift(db_url) == []


def test_alembic_command_line_uses_coffre_settings(db_url: str) -> None:
    env = {**os.environ, "COFFRE_DATABASE_URL": db_url}
    for args in (["upgrade", "head"], ["downgrade", "base"], ["upgrade", "head"], ["check"]):
        result = subprocess.run(
            [sys.executable, "-m", "alembic", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
    assert _tables(db_url) == set(Base.metadata.tables)
