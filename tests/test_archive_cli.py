"""`coffre archive …` as an admin runs it on the embedded default."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from archive.factory import open_vault
from registry.db import make_engine, session_factory
from registry.models import JournalSeal, Usager
from registry.settings import Settings
from tests.test_cli import coffre


def _vault(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings(var_dir=tmp_path / "var")
    sessions = session_factory(make_engine(settings.effective_database_url))
    return open_vault(settings, sessions), sessions


def test_export_verify_audit_seal_and_rotate(tmp_path: Path) -> None:
    coffre(tmp_path, "init")
    key_file = tmp_path / "var" / "keys" / "master-keys.json"
    assert key_file.exists() and (key_file.stat().st_mode & 0o777) == 0o600
    (tmp_path / "u.csv").write_text("numero,nom,prenoms,date_naissance\n7,Koné,Awa,1990-01-01\n")
    coffre(tmp_path, "usagers", "import", "u.csv")
    vault, sessions = _vault(tmp_path)
    with sessions() as s:
        usager_id = s.scalars(select(Usager.id).where(Usager.numero == "7")).one()
    for i in range(3):
        vault.deposit(f"justificatif {i}".encode(), kind="justificatif", actor="agent:1", usager_id=usager_id)

    out = tmp_path / "bag"
    assert "3 document(s)" in coffre(tmp_path, "archive", "export", "--usager", "7", "--out", str(out)).stdout
    assert "Export valide" in coffre(tmp_path, "archive", "verify-export", str(out)).stdout
    first = sorted((out / "data" / "justificatif").iterdir())[0]
    first.write_bytes(b"tampered")
    bad = coffre(tmp_path, "archive", "verify-export", str(out), check=False)
    assert bad.returncode == 1 and first.name in bad.stderr

    assert "3 intègre(s), 0 KO" in coffre(tmp_path, "archive", "audit").stdout
    assert "Journal scellé" in coffre(tmp_path, "archive", "seal").stdout
    with sessions() as s:
        assert len(s.scalars(select(JournalSeal)).all()) == 1

    before = json.loads(key_file.read_text())
    assert "ré-enveloppée" in coffre(tmp_path, "archive", "rotate-key").stdout
    after = json.loads(key_file.read_text())
    assert after["current"] != before["current"] and set(before["keys"]) < set(after["keys"])
    vault, _ = _vault(tmp_path)
    assert vault.read_bytes(1, actor="t", reason="t") == b"justificatif 0"
    assert "Journal intègre" in coffre(tmp_path, "audit", "verify").stdout
