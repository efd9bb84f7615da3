"""The classifier in the pipeline and the console: `--report` kinds, justificatif types, agents' corrections."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from bench.corpus import generate_corpus, read_truth
from bench.corpus.justificatifs import make_page, render_justificatif
from classifier.training import CORRECTION
from registry.models import AuditEvent, Document, MailItem, MailKind, Role
from registry.population import sample_person
from tests.console_env import CSRF, ConsoleEnv, make_console
from tests.test_cli import coffre


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    generate_corpus(out, usagers=120, scans=12, seed=11, workers=1, mail_kinds=True)
    return out


def _report(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_report_lines_carry_the_kind_found(tmp_path: Path, corpus: Path) -> None:
    truth = read_truth(corpus / "scans")
    registered = next(t for t in truth if t["kind"] == "recommande")
    plain = next(t for t in truth if t["kind"] == "lettre" and t["sender_org"] not in ("tribunal", "prefecture"))
    coffre(tmp_path, "init")
    coffre(tmp_path, "usagers", "import", str(corpus / "registry.csv"))
    files = [str(corpus / "scans" / t["file"]) for t in (registered, plain)]
    coffre(tmp_path, "ingest", *files, "--once", "--report", "report.jsonl")
    lines = {line["source"]: line for line in _report(tmp_path / "report.jsonl")}
    found = lines[registered["file"]]
    assert found["kind"] == "recommande" and found["document"] == "enveloppe" and found["urgent"] is True
    assert found["sender"] == registered["sender_org"]
    other = lines[plain["file"]]
    assert (other["kind"], other["urgent"], other["sender"]) == ("lettre", False, plain["sender_org"])


def test_justificatif_type_is_read_from_the_page(tmp_path: Path) -> None:
    coffre(tmp_path, "init")
    (tmp_path / "u.csv").write_text("numero,nom,prenoms,date_naissance\n77,Camara,Sékou,1979-02-02\n")
    coffre(tmp_path, "usagers", "import", "u.csv")
    rng = random.Random(4)
    page = render_justificatif(make_page("avis_imposition", sample_person(rng), rng), rng, 150)
    folder = tmp_path / "var" / "scanner" / "justificatifs" / "77"
    folder.mkdir(parents=True)
    Image.fromarray(np.asarray(page)).save(folder / "impots.png", dpi=(150, 150))
    coffre(tmp_path, "ingest", "--once", "--report", "r.jsonl")
    (line,) = _report(tmp_path / "r.jsonl")
    assert (line["status"], line["usager"], line["kind"]) == ("assigned", "77", "avis_imposition")
    assert line["document"] == "avis_imposition" and "mail_kind" not in line


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> ConsoleEnv:
    return make_console(tmp_path_factory.mktemp("console"))


def test_agent_corrects_sender_and_kind_from_the_review_page(console: ConsoleEnv) -> None:
    item_id = console.ids["mail_review"]
    client = console.client(Role.AGENT)
    page = client.get(f"/revue/{item_id}")
    assert page.status_code == 200 and 'action="/courrier/' in page.text
    assert '<option value="caf" selected>' in page.text  # the test envelope's sender block says CAF
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    answer = client.post(
        f"/courrier/{item_id}/classement", data={"sender_org": "tribunal", "kind": "recommande", "csrf_token": token}
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith(f"/revue/{item_id}?msg=")
    with console.services.sessions() as session:
        mail = session.get(MailItem, item_id)
        assert mail is not None and (mail.sender_org, mail.kind, mail.urgent) == ("tribunal", MailKind.RECOMMANDE, True)
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == CORRECTION)).all()
        assert {(e.target, e.details["task"], e.details["label"]) for e in events} >= {
            (f"mail:{item_id}", "sender", "tribunal"),
            (f"mail:{item_id}", "kind", "recommande"),
        }
    refused = client.post(f"/courrier/{item_id}/classement", data={"sender_org": "mi6", "kind": "lettre"})
    assert refused.status_code == 400


def test_instructeur_corrects_a_justificatif_type(console: ConsoleEnv) -> None:
    with console.services.sessions.begin() as session:
        document = Document(
            usager_id=console.ids["usager_martin"], kind="autre", sha256="1" * 64, size=1,
            mime_type="application/pdf", storage_key="1",
        )  # fmt: skip
        session.add(document)
        session.flush()
        document_id = document.id
    agent = console.client(Role.AGENT)
    assert agent.post(f"/documents/{document_id}/type", data={"doc_type": "rib"}).status_code == 403
    instructeur = console.client(Role.INSTRUCTEUR)
    page = instructeur.get(f"/usagers/{console.ids['usager_martin']}")
    assert f'action="/documents/{document_id}/type"' in page.text
    answer = instructeur.post(f"/documents/{document_id}/type", data={"doc_type": "rib"})
    assert answer.status_code == 303
    with console.services.sessions() as session:
        assert session.get(Document, document_id).kind == "rib"  # type: ignore[union-attr]
    envelope_scan = console.ids["document"]  # a letter's scan: corrected through its sender and kind
    assert instructeur.post(f"/documents/{envelope_scan}/type", data={"doc_type": "rib"}).status_code == 404
