"""`coffre signing extend` and the settings path (PKCS#12 file, TSA URL) end to end, in a fresh folder."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from archive.factory import open_vault
from registry.db import make_engine, session_factory
from registry.models import DecisionOutcome, DomiciliationStatus, Role, Structure, VaultObject
from registry.services.domiciliations import change_status, decide, open_request
from registry.services.usagers import create_usager
from registry.services.users import create_user
from registry.settings import Settings
from signing.extend import last_timestamp_expiry
from signing.factory import seal_signer
from signing.issue import issue_attestation
from tests.harness.pki import PASSPHRASE
from tests.test_cli import coffre


def test_extend_renews_b_lta_attestations_through_the_cli(pki, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    env = {
        "COFFRE_SIGNING__SEAL__PKCS12_PATH": str(pki.pkcs12("seal")),
        "COFFRE_SIGNING__SEAL__PASSPHRASE": PASSPHRASE.decode(),
        "COFFRE_SIGNING__TSA_URL": pki.tsa_url,
        "COFFRE_SIGNING__TRUST_ROOTS": json.dumps([str(pki.root_pem)]),
    }
    coffre(tmp_path, "init", **env)
    monkeypatch.chdir(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    sessions = session_factory(make_engine(settings.effective_database_url))
    with sessions.begin() as session:
        structure = session.query(Structure).one()
        member = create_user(session, structure.id, "membre", "correct horse battery", Role.COMMISSION)
        dom = open_request(session, create_usager(session, structure.id, nom="Keita", prenoms="Awa"))
        change_status(session, dom, DomiciliationStatus.ATTENTE_DECISION)
        decide(session, dom, DecisionOutcome.ACCORD, commission_date=dt.date.today(), decider_ids=[member.id])
        dom_id = dom.id
    vault = open_vault(settings, sessions)
    with seal_signer(settings) as signer:  # PKCS#12 from settings, HTTP TSA on loopback
        issued = issue_attestation(vault, signer, settings.signing, dom_id, actor="test")
    days = (last_timestamp_expiry(issued.data) - dt.datetime.now(dt.UTC)).days + 1

    dry = coffre(tmp_path, "signing", "extend", "--before-days", str(days), "--dry-run", **env)
    assert "1 à ré-horodater" in dry.stdout
    assert "0 ré-horodaté" in coffre(tmp_path, "signing", "extend", "--before-days", "30", **env).stdout
    assert "1 ré-horodaté" in coffre(tmp_path, "signing", "extend", "--before-days", str(days), **env).stdout
    with sessions() as session:
        versions = session.query(VaultObject).filter(VaultObject.key == f"attestation/{issued.verify_id}").count()
    assert versions == 2
