"""Crash safety: SIGKILL the ingest at random moments; every file ends stored and registered exactly once."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.corpus import generate_corpus
from registry.db import make_engine, session_factory
from registry.models import IngestJob, IngestResult, MailItem, VaultObject
from tests.test_cli import _env, coffre

FILES = int(os.environ.get("COFFRE_CRASH_FILES", "300"))
KILLS = int(os.environ.get("COFFRE_CRASH_KILLS", "100"))
COFFRE = str(Path(sys.executable).with_name("coffre"))


@pytest.mark.slow
def test_sigkill_at_100_random_moments_loses_and_doubles_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    generate_corpus(corpus, usagers=300, scans=FILES, seed=5)
    work = tmp_path / "work"
    work.mkdir()
    coffre(work, "init")
    coffre(work, "usagers", "import", str(corpus / "registry.csv"))
    hot = work / "var" / "scanner" / "courrier"
    hot.mkdir(parents=True)
    digests = {}
    for scan in sorted((corpus / "scans").iterdir()):
        if scan.suffix in (".jpg", ".png", ".pdf"):
            shutil.copy(scan, hot / scan.name)
            digests[scan.name] = hashlib.sha256(scan.read_bytes()).hexdigest()
    assert len(digests) == FILES
    sessions = session_factory(make_engine(f"sqlite:///{work / 'var' / 'coffre.db'}"))
    rng = random.Random(2026)
    env = _env(COFFRE_INGEST__SETTLE_SECONDS="0", COFFRE_QUEUE__WORKERS="2")
    for _ in range(KILLS):
        proc = subprocess.Popen(
            [COFFRE, "ingest", "--once"],
            cwd=work,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.2, 4.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        _assert_nothing_left_unstored(hot, digests, sessions)
    final = subprocess.run(
        [COFFRE, "ingest", "--once"], cwd=work, env=env, capture_output=True, text=True, timeout=1800, check=False
    )
    assert final.returncode == 0, final.stderr[-3000:]
    assert list(hot.iterdir()) == []
    with sessions() as s:
        jobs = s.scalars(select(IngestJob)).all()
        assert sorted(j.sha256 for j in jobs) == sorted(digests.values())  # one job per file, no duplicates
        assert {j.status for j in jobs} == {"done"}, {j.id: (j.status, j.reason) for j in jobs if j.status != "done"}
        raw = s.scalars(select(VaultObject).where(VaultObject.kind == "scan_brut")).all()
        assert sorted(r.sha256 for r in raw) == sorted(digests.values())
        assert s.scalar(select(func.count()).select_from(IngestResult)) == FILES
        assert s.scalar(select(func.count()).select_from(MailItem)) == FILES
        archived = s.scalar(select(func.count()).select_from(VaultObject).where(VaultObject.kind == "enveloppe"))
        assert archived == FILES


def _assert_nothing_left_unstored(hot: Path, digests: dict[str, str], sessions) -> None:  # type: ignore[no-untyped-def]
    """Every file that left the hot folder has its bytes in the coffre-fort."""
    present = {p.name for p in hot.iterdir()}
    gone = {name for name in digests if name not in present}
    with sessions() as s:
        stored = set(s.scalars(select(VaultObject.sha256).where(VaultObject.kind == "scan_brut")))
    assert {digests[name] for name in gone} <= stored
