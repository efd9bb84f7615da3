"""The scanner path end to end: take, split, OCR, match, archive, register, report."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.corpus import generate_corpus, read_truth
from ingest.coversheet import CoverSheet, render_pdf
from ingest.pipeline import run_job
from ingest.take import take
from registry.models import Document, IngestJob, MailItem, MailStatus, Usager, VaultObject
from scanner_watch import FolderWatcher, StableFile, WatchOptions
from tests.test_cli import coffre

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    generate_corpus(out, usagers=200, scans=16, seed=11, workers=1)
    return out


def _workspace(tmp_path: Path, corpus: Path) -> Path:
    coffre(tmp_path, "init")
    coffre(tmp_path, "usagers", "import", str(corpus / "registry.csv"))
    return tmp_path


def _report(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_report_contract_and_decisions_follow_the_truth(tmp_path: Path, corpus: Path) -> None:
    work = _workspace(tmp_path, corpus)
    scans = sorted(p for p in (corpus / "scans").iterdir() if p.suffix in (".jpg", ".png", ".pdf"))
    coffre(work, "ingest", *map(str, scans), "--once", "--report", "report.jsonl")
    lines = _report(work / "report.jsonl")
    truth = {t["file"]: t for t in read_truth(corpus / "scans")}
    assert sorted(line["source"] for line in lines) == sorted(p.name for p in scans)
    for line in lines:
        assert set(line) >= {"source", "page", "status", "usager", "candidates", "confidence", "kind", "reason"}
        assert line["page"] == 1 and 0 <= line["confidence"] <= 1 and line["document"] == "enveloppe"
        assert line["kind"] == line["mail_kind"]
        assert line["kind"] in {"lettre", "recommande", "avis_de_passage", "colis"}
        expected = truth[line["source"]]
        if line["status"] == "assigned":  # never the wrong person
            assert line["usager"] == expected["usager"], line
            assert line["candidates"][0] == line["usager"]
        elif line["status"] == "review" and expected["usager"]:
            assert expected["usager"] in line["candidates"][:3], line
        if expected["category"] == "homonym_ambiguous":
            assert line["status"] != "assigned"
    assert sum(line["status"] == "assigned" for line in lines) >= len(lines) // 2
    assert all(p.exists() for p in scans)  # files given outside a hot folder are left in place
    homonyms = next(line for line in lines if line["status"] == "review" and len(line["candidates"]) >= 2
                    and truth[line["source"]]["category"] == "homonym_ambiguous")  # fmt: skip
    _same_letter_again(work, corpus / "scans" / str(homonyms["source"]), str(homonyms["candidates"][1]))
    _confirm_one_review_item(work, [line for line in lines if line is not homonyms], truth)


def _same_letter_again(work: Path, scan: Path, numero: str) -> None:
    """An agent gives a homonym's letter to the second candidate; the same sender writes again with the same name:
    that choice, kept under the sender the classifier read from the envelope, now comes first."""
    from classifier.history import sender_key
    from classifier.review import confirm
    from registry.db import make_engine, session_factory
    from registry.models import MatchFeedback

    sessions = session_factory(make_engine(f"sqlite:///{work / 'var' / 'coffre.db'}"))
    with sessions.begin() as s:
        mail = _in_review(s, scan.name)
        chosen = s.scalars(select(Usager).where(Usager.numero == numero)).one()
        feedback = confirm(s, mail.id, chosen.id, actor="agent:1")
        assert feedback.outcome == "corrected" and mail.sender_org  # the classifier read the sender
        assert feedback.sender_key == sender_key(mail.sender, mail.sender_org) is not None
    again = work / f"again-{scan.stem}.png"
    if scan.suffix == ".pdf":
        from pdf2image import convert_from_path

        convert_from_path(scan, dpi=200, grayscale=True)[0].save(again)
    else:
        Image.open(scan).save(again)  # other bytes, the same envelope
    coffre(work, "ingest", str(again), "--once", "--report", "again.jsonl")
    (line,) = _report(work / "again.jsonl")
    assert (line["status"], line["candidates"][0]) == ("review", numero), line  # homonyms: ranked, never assigned
    with sessions() as s:
        assert len(s.scalars(select(MatchFeedback)).all()) == 1  # the second letter waits for an agent


def _in_review(session: Session, source: str) -> MailItem:
    """The mail item in review of the envelope scanned from `source`."""
    return session.scalars(
        select(MailItem)
        .where(MailItem.status == MailStatus.EN_REVUE)
        .join(Document, Document.id == MailItem.scan_document_id)
        .where(Document.title.startswith(source))
    ).one()


def _confirm_one_review_item(work: Path, lines: list[dict[str, object]], truth: dict[str, dict[str, object]]) -> None:
    """An agent confirms a letter in review: the mail and its scan go to the usager, journaled."""
    from classifier.review import confirm
    from registry import audit
    from registry.db import make_engine, session_factory

    review = next(line for line in lines if line["status"] == "review" and truth[line["source"]]["usager"])
    sessions = session_factory(make_engine(f"sqlite:///{work / 'var' / 'coffre.db'}"))
    with sessions.begin() as s:
        mail = _in_review(s, str(review["source"]))
        assert mail.addressee_key and mail.usager_id is None
        usager = s.scalars(select(Usager).where(Usager.numero == truth[review["source"]]["usager"])).one()
        confirm(s, mail.id, usager.id, actor="agent:1")
    with sessions() as s:
        mail = s.get(MailItem, mail.id)
        assert mail.status is MailStatus.RECU and mail.usager_id == usager.id
        assert s.get(Document, mail.scan_document_id).usager_id == usager.id
        assert [e.action for e in audit.events(s, target=f"mail:{mail.id}")][-1].startswith("mail.review.")


def test_same_file_twice_gives_one_item_and_one_duplicate(tmp_path: Path, corpus: Path) -> None:
    work = _workspace(tmp_path, corpus)
    hot = work / "var" / "scanner" / "courrier"
    hot.mkdir(parents=True)
    source = sorted((corpus / "scans").glob("*.jpg"))[0]
    shutil.copy(source, hot / "a.jpg")
    coffre(work, "ingest", "--once", "--report", "first.jsonl")
    assert not (hot / "a.jpg").exists()  # consumed from the hot folder once stored
    shutil.copy(source, hot / "b.jpg")
    coffre(work, "ingest", "--once", "--report", "second.jsonl")
    first, second = _report(work / "first.jsonl"), _report(work / "second.jsonl")
    assert [line["status"] for line in second] == ["duplicate"] and "a.jpg" in second[0]["reason"]
    assert first[0]["status"] in ("assigned", "review", "unmatched")
    from registry.db import make_engine, session_factory

    sessions = session_factory(make_engine(f"sqlite:///{work / 'var' / 'coffre.db'}"))
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(MailItem)) == 1
        assert s.scalar(select(func.count()).select_from(IngestJob).where(IngestJob.status == "duplicate")) == 1


def _text_page(lines: list[str], size: tuple[int, int] = (1654, 2339)) -> Image.Image:
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 40)
    for i, line in enumerate(lines):
        draw.text((150, 200 + i * 70), line, fill=0, font=font)
    return image


def test_cover_sheets_and_blank_separators_cut_documents(tmp_path: Path) -> None:
    coffre(tmp_path, "init")
    (tmp_path / "u.csv").write_text(
        "numero,nom,prenoms,date_naissance\n11,Diallo,Awa,1990-01-01\n12,Koné,Issa,1985-05-05\n"
    )
    coffre(tmp_path, "usagers", "import", "u.csv")
    coffre(tmp_path, "coversheet", "--usager", "11", "--kind", "avis_imposition", "--out", "cs11.pdf")
    from pdf2image import convert_from_path

    sheet11 = convert_from_path(tmp_path / "cs11.pdf", dpi=150, grayscale=True)[0]
    sheet12 = Image.open(io.BytesIO(_render_sheet("12", "piece_identite"))).convert("L")
    pages = [
        sheet11,
        _text_page(["AVIS D'IMPOSITION 2026", "page 1"]),
        _text_page(["Revenu fiscal", "page 2"]),
        Image.new("L", (1654, 2339), 255),
        _text_page(["Autre document", "page 3"]),
        sheet12,
        _text_page(["CARTE NATIONALE D'IDENTITE", "KONE Issa"]),
    ]
    hot = tmp_path / "var" / "scanner" / "courrier"
    hot.mkdir(parents=True)
    pages[0].save(hot / "lot.pdf", save_all=True, append_images=pages[1:], resolution=150)
    coffre(tmp_path, "ingest", "--once", "--report", "r.jsonl")
    lines = _report(tmp_path / "r.jsonl")
    assert [(line["page"], line["status"], line["usager"], line["kind"]) for line in lines] == [
        (2, "assigned", "11", "avis_imposition"),
        (5, "assigned", "11", "avis_imposition"),
        (7, "assigned", "12", "piece_identite"),
    ]
    from registry.db import make_engine, session_factory

    sessions = session_factory(make_engine(f"sqlite:///{tmp_path / 'var' / 'coffre.db'}"))
    with sessions() as s:
        docs = s.scalars(
            select(Document).join(Usager, Usager.id == Document.usager_id).where(Usager.numero == "11")
        ).all()
        assert len(docs) == 2 and s.scalar(select(func.count()).select_from(MailItem)) == 0
        assert {d.kind for d in docs} == {"avis_imposition"}


def _render_sheet(numero: str, kind: str) -> bytes:
    from pdf2image import convert_from_bytes

    pdf = render_pdf(CoverSheet(numero, kind), usager_label="X", structure_name="CCAS")
    out = io.BytesIO()
    convert_from_bytes(pdf, dpi=150, grayscale=True)[0].save(out, format="PNG")
    return out.getvalue()


def test_justificatif_folder_and_quarantine_retry(tmp_path: Path) -> None:
    coffre(tmp_path, "init")
    hot = tmp_path / "var" / "scanner" / "justificatifs" / "77"
    hot.mkdir(parents=True)
    _text_page(["ATTESTATION CAF", "Droits ouverts"]).save(hot / "caf.png")
    first = _report_of(tmp_path)
    assert first[0]["status"] == "quarantined" and "77" in first[0]["reason"]
    listing = coffre(tmp_path, "quarantine", "list", COLUMNS="200").stdout
    assert "caf.png" in listing and "inconnu" in listing
    status = coffre(tmp_path, "pipeline", COLUMNS="200").stdout
    row = next(line for line in status.splitlines() if "en quarantaine" in line)
    assert row.split("│")[2].strip() == "1"
    (tmp_path / "u.csv").write_text("numero,nom,prenoms,date_naissance\n77,Camara,Sékou,1979-02-02\n")
    coffre(tmp_path, "usagers", "import", "u.csv")
    retried = coffre(tmp_path, "quarantine", "retry", str(first[0]["job"]))
    assert "done" in retried.stdout


def _report_of(work: Path) -> list[dict[str, object]]:
    coffre(work, "ingest", "--once", "--report", "r.jsonl")
    return _report(work / "r.jsonl")


@pytest.mark.slow
def test_a_file_written_slowly_is_taken_once_complete(tmp_path: Path, corpus: Path) -> None:
    from tests.ingest_env import make_ingest_env

    env = make_ingest_env(tmp_path)
    data = sorted((corpus / "scans").glob("*.pdf"))[0].read_bytes()
    jobs: list[int] = []

    def on_stable(found: StableFile) -> None:
        taken = take(env.services, found.path, found.relative)
        jobs.append(taken.job_id)

    target = env.hot / "courrier" / "lent.pdf"
    target.parent.mkdir(parents=True)
    with FolderWatcher([env.hot], on_stable, WatchOptions(settle_seconds=1.5, rescan_seconds=1.0)):
        with target.open("wb") as handle:
            chunk = len(data) // 20 + 1
            for i in range(20):
                handle.write(data[i * chunk : (i + 1) * chunk])
                handle.flush()
                time.sleep(0.5)
        deadline = time.monotonic() + 20
        while not jobs and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)
    assert len(jobs) == 1
    with env.services.sessions() as s:
        job = s.get(IngestJob, jobs[0])
        assert job.sha256 == hashlib.sha256(data).hexdigest() and job.size == len(data)
    assert run_job(env.services, jobs[0]) == "done"
    _ = (threading, np, MailStatus, VaultObject)
