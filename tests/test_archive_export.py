"""Réversibilité: a usager's coffre-fort exported as a BagIt bag that validates offline."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import bagit
import pytest

from archive.export import export_bag, verify_bag
from tests.vault_env import make_env


@pytest.fixture(params=["local", "s3"])
def exported(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    rgw = request.getfixturevalue("rgw") if request.param == "s3" else None
    env = make_env(request.param, tmp_path, rgw)
    alice, bob = env.usagers
    expected = {}
    for i in range(50):
        data = os.urandom(200 + i * 37)
        receipt = env.vault.deposit(
            data,
            kind="justificatif" if i % 2 else "enveloppe",
            actor="agent:1",
            usager_id=alice,
            filename=f"pièce n°{i}.pdf",
            mime_type="application/pdf",
        )
        expected[receipt.sha256] = receipt.key
    env.vault.deposit(b"someone else's", kind="justificatif", actor="agent:1", usager_id=bob)
    out = tmp_path / "export"
    summary = export_bag(env.vault, out, actor="admin", usager_id=alice)
    assert summary.documents == 50 and summary.events >= 50
    return out, expected


def test_export_of_50_documents_validates_and_rehashes_equal(exported: tuple[Path, dict[str, str]]) -> None:
    out, expected = exported
    bag = bagit.Bag(str(out))
    assert bag.is_valid() and verify_bag(out) == []
    files = [p for p in (out / "data").rglob("*.pdf")]
    assert len(files) == 50
    assert {hashlib.sha256(p.read_bytes()).hexdigest() for p in files} == set(expected)
    metadata = json.loads((out / "data" / "metadata.json").read_text(encoding="utf-8"))
    assert len(metadata["documents"]) == 50 and all(d["sha256"] in expected for d in metadata["documents"])
    journal = [json.loads(line) for line in (out / "data" / "journal.jsonl").read_text().splitlines()]
    assert sum(e["action"] == "vault.deposit" for e in journal) == 50
    assert not any("someone" in json.dumps(e) for e in journal)


def test_altering_one_file_makes_verify_export_name_it(exported: tuple[Path, dict[str, str]]) -> None:
    out, _ = exported
    victim = sorted((out / "data").rglob("*.pdf"))[7]
    data = bytearray(victim.read_bytes())
    data[0] ^= 0xFF
    victim.write_bytes(bytes(data))
    problems = verify_bag(out)
    assert len(problems) == 1 and victim.relative_to(out).as_posix() in problems[0]
