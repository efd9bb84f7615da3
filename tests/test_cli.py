"""The `coffre` command as an operator runs it, in a fresh folder with no server at all."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.usager_csv import write_csv
from tests.harness._proc import free_port

COFFRE = str(Path(sys.executable).with_name("coffre"))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COFFRE_")}
    return {**env, "COFFRE_ADMIN_PASSWORD": "mot-de-passe-admin", **extra}


def coffre(cwd: Path, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [COFFRE, *args], cwd=cwd, env=_env(**env), capture_output=True, text=True, timeout=300, check=False
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_init_is_idempotent_and_creates_the_embedded_layout(tmp_path: Path) -> None:
    first = coffre(tmp_path, "init")
    assert "Administrateur : admin" in first.stdout
    assert (tmp_path / "var" / "coffre.db").exists() and (tmp_path / "var" / "vault").is_dir()
    second = coffre(tmp_path, "init")
    assert "un administrateur existe déjà" in second.stdout
    assert "Journal intègre" in coffre(tmp_path, "audit", "verify").stdout


def test_init_without_a_password_generates_one_and_shows_it_once(tmp_path: Path) -> None:
    result = subprocess.run(
        [COFFRE, "init"],
        cwd=tmp_path,
        env={k: v for k, v in _env().items() if k != "COFFRE_ADMIN_PASSWORD"},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=True,
    )
    assert re.search(r"Mot de passe généré .*: \S{12,}", result.stdout)


def test_demo_then_list_and_show_through_the_cli(tmp_path: Path) -> None:
    coffre(tmp_path, "init")
    demo = coffre(tmp_path, "demo")
    assert "Usagers : 200" in demo.stdout and "Groupes d'homonymes" in demo.stdout
    groups = int(re.search(r"Groupes d'homonymes : (\d+)", demo.stdout).group(1))
    assert groups >= 3
    listing = coffre(tmp_path, "usagers", "list", "--limit", "200", COLUMNS="200")
    assert "200 / 200 usager(s)" in listing.stdout
    shown = coffre(tmp_path, "usagers", "show", "1", COLUMNS="200")
    assert "Dossier n° 1" in shown.stdout and "Domiciliation" in shown.stdout
    assert coffre(tmp_path, "demo", check=False).returncode == 1  # never over a register in use
    assert coffre(tmp_path, "usagers", "show", "99999", check=False).returncode == 1


def test_card_issue_then_revoke(tmp_path: Path) -> None:
    coffre(tmp_path, "init")
    (tmp_path / "u.csv").write_text("numero,nom,prenoms,date_naissance\n42,Diallo,Mamadou,1985-03-12\n")
    coffre(tmp_path, "usagers", "import", "u.csv")
    issued = coffre(tmp_path, "usagers", "card", "issue", "42").stdout
    token = re.search(r": ([A-Z2-7]{32}) ", issued).group(1)
    assert "42" not in token
    assert "1 carte(s) révoquée(s)" in coffre(tmp_path, "usagers", "card", "revoke", "42").stdout
    assert token not in (tmp_path / "var" / "coffre.db").read_bytes().decode("latin-1")


def test_import_100k_rows_rejects_malformed_rows_and_imports_the_rest(tmp_path: Path) -> None:
    expected = write_csv(tmp_path / "usagers.csv", 100_000, bad_every=1000)
    coffre(tmp_path, "init")
    started = time.perf_counter()
    result = coffre(tmp_path, "usagers", "import", "usagers.csv", "--rejects", "rejets.csv")
    elapsed = time.perf_counter() - started
    assert "99900 créé(s), 0 mis à jour, 0 inchangé(s), 100 rejeté(s)" in result.stdout
    rejected = {}
    for line in (tmp_path / "rejets.csv").read_text(encoding="utf-8").splitlines()[1:]:
        number, _numero, reason = line.split(",", 2)
        rejected[int(number)] = reason
    assert sorted(rejected) == sorted(expected)
    assert all(expected[n] in rejected[n] for n in expected)
    print(f"\n100,000-row import through the CLI: {elapsed:.1f} s")  # figure for the notes, not asserted
    again = coffre(tmp_path, "usagers", "import", "usagers.csv")
    assert "0 créé(s), 0 mis à jour, 99900 inchangé(s), 100 rejeté(s)" in again.stdout


def test_run_answers_health_with_no_server(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [COFFRE, "run", "--port", str(port)],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    body = json.loads(response.read())
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(proc.stdout.read())
                time.sleep(0.2)
        assert body == {"status": "ok", "database": "ok", "storage": "ok", "queue": "inprocess"}
        browser = urllib.request.Request(f"http://127.0.0.1:{port}/revue", headers={"Accept": "text/html"})
        with urllib.request.urlopen(browser, timeout=5) as response:  # a browser is sent to the log-in form
            page = response.read().decode()
        assert response.url.endswith("/login?next=/revue") and "Connexion" in page and 'name="csrf_token"' in page
    finally:
        proc.terminate()
        proc.wait(20)
    assert (tmp_path / "var" / "coffre.db").exists()
