"""The console's work, through its routes: review, remise, documents, usager files, uploads, quarantine, admin."""

from __future__ import annotations

import logging
from pathlib import Path, PurePath

import pytest
from sqlalchemy import select

from ingest.pipeline import run_job
from ingest.take import take
from registry.audit import verify
from registry.models import (
    AuditEvent,
    Card,
    Document,
    IngestJob,
    KioskDevice,
    MailItem,
    MailStatus,
    MatchFeedback,
    RemiseTo,
    Role,
    Usager,
    User,
)
from tests.console_env import ConsoleEnv, envelope, make_console

HTML = {"accept": "text/html"}


@pytest.fixture
def env(tmp_path: Path) -> ConsoleEnv:
    return make_console(tmp_path)


def _events(env: ConsoleEnv, action: str) -> list[AuditEvent]:
    with env.services.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_review_confirm_assigns_the_letter_journals_and_moves_on(env: ConsoleEnv) -> None:
    agent = env.client(Role.AGENT)
    item_id, chosen = env.ids["mail_review"], env.ids["usager_b"]
    page = agent.get(f"/revue/{item_id}", headers=HTML)
    assert "Madame Aminata DIALLO" in page.text and "02/11/1984" in page.text and "1 homonyme(s)" in page.text
    crop = agent.get(f"/revue/{item_id}/adresse.png")
    assert crop.headers["content-type"] == "image/png" and crop.content.startswith(b"\x89PNG")
    reads = _events(env, "vault.read")
    assert reads[-1].actor == f"user:{env.ids['user_agent']}" and "courrier" in str(reads[-1].details)
    done = agent.post(f"/revue/{item_id}/confirmer", data={"usager_id": str(chosen)})
    assert done.status_code == 303 and done.headers["location"] == "/revue?msg=flash.review.confirmed"
    with env.services.sessions() as session:
        item = session.get(MailItem, item_id)
        assert item is not None and item.status is MailStatus.RECU and item.usager_id == chosen
        feedback = session.scalars(select(MatchFeedback)).one()
        assert feedback.decided_by_id == env.ids["user_agent"] and feedback.usager_id == chosen
    [decision] = _events(env, "mail.review.confirm") + _events(env, "mail.review.correct")
    assert decision.actor == f"user:{env.ids['user_agent']}" and decision.details["usager_id"] == chosen
    again = agent.post(f"/revue/{item_id}/inconnu")
    assert again.status_code == 400 and "n'est pas en attente" in again.json()["detail"]


def test_remise_to_a_mandataire_with_a_valid_procuration(env: ConsoleEnv) -> None:
    agent = env.client(Role.AGENT)
    martin, item_id = env.ids["usager_martin"], env.ids["mail_open"]
    page = agent.get(f"/remise/{martin}", headers=HTML)
    assert "BENALI Karim" in page.text and f'value="{item_id}"' in page.text
    done = agent.post(
        f"/remise/{martin}",
        data={"items": str(item_id), "to": "mandataire", "procuration_id": str(env.ids["procuration"])},
    )
    assert done.status_code == 303
    with env.services.sessions() as session:
        item = session.get(MailItem, item_id)
        assert item is not None and item.status is MailStatus.REMIS and item.remise_to is RemiseTo.MANDATAIRE
        assert item.procuration_id == env.ids["procuration"] and item.remise_by_id == env.ids["user_agent"]
        assert session.get(Usager, martin).last_contact_at is not None  # type: ignore[union-attr]
    event = _events(env, "mail.remise")[-1]
    assert event.details["procuration_id"] == env.ids["procuration"] and event.details["items"] == [item_id]
    assert "Aucun courrier en attente" in agent.get(f"/remise/{martin}", headers=HTML).text


def test_a_card_finds_the_usager_and_a_revoked_one_does_not(env: ConsoleEnv) -> None:
    staff = env.client(Role.INSTRUCTEUR)
    issued = staff.post(f"/usagers/{env.ids['usager_martin']}/carte", headers=HTML)
    token = issued.text.split('id="card-token">')[1].split("<")[0]
    assert len(token) >= 32
    with env.services.sessions() as session:
        assert session.scalars(select(Card.token_hash)).all() != [token]
    found = staff.post("/remise/carte", data={"token": token})
    assert found.status_code == 303 and found.headers["location"] == f"/remise/{env.ids['usager_martin']}"
    staff.post(f"/usagers/{env.ids['usager_martin']}/carte", headers=HTML)  # a new card revokes the old one
    assert staff.post("/remise/carte", data={"token": token}).status_code == 400


def test_opening_a_document_streams_the_original_and_journals_who_and_why(env: ConsoleEnv) -> None:
    agent = env.client(Role.AGENT)
    before = len(_events(env, "vault.read"))
    response = agent.get(f"/documents/{env.ids['document']}")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["cache-control"] == "no-store"
    reads = _events(env, "vault.read")
    assert len(reads) == before + 1 and reads[-1].actor == f"user:{env.ids['user_agent']}"
    assert "consultation au guichet" in str(reads[-1].details)


def test_create_edit_and_upload_a_justificatif_into_the_file(env: ConsoleEnv) -> None:
    staff = env.client(Role.INSTRUCTEUR)
    created = staff.post(
        "/usagers", data={"nom": "Popescu", "prenoms": "Ionela", "date_naissance": "1991-03-14", "channel": "sms"}
    )
    assert created.status_code == 303
    usager_id = int(created.headers["location"].split("/")[2].split("?")[0])
    edited = staff.post(
        f"/usagers/{usager_id}",
        data={"nom": "Popescu", "prenoms": "Ionela Maria", "date_naissance": "1991-03-14", "channel": "email"},
    )
    assert edited.status_code == 303
    bad = staff.post(f"/usagers/{usager_id}", data={"nom": "Popescu", "date_naissance": "14/03/1991"})
    assert bad.status_code == 400 and "date invalide" in bad.json()["detail"]
    import io

    scan = io.BytesIO()
    envelope(["ATTESTATION DE DROITS", "Ionela POPESCU"]).save(scan, format="PNG")
    uploaded = staff.post(
        f"/usagers/{usager_id}/justificatifs", files={"fichier": ("caf.png", scan.getvalue(), "image/png")}
    )
    assert uploaded.status_code == 303
    hot = env.settings.effective_scanner_folders[0]
    [dropped] = list(hot.rglob("console-*.png"))
    relative = dropped.relative_to(hot)
    with env.services.sessions() as session:
        usager = session.get(Usager, usager_id)
        assert (
            usager is not None
            and usager.prenoms == "Ionela Maria"
            and relative.parts[:2] == ("justificatifs", usager.numero)
        )
    taken = take(env.services, dropped, PurePath(relative))
    assert run_job(env.services, taken.job_id) == "done"
    page = staff.get(f"/usagers/{usager_id}", headers=HTML)
    with env.services.sessions() as session:
        document = session.scalars(select(Document).where(Document.usager_id == usager_id)).one()
    assert f"/documents/{document.id}" in page.text
    assert [e.details["fields"] for e in _events(env, "usager.update")] == [["prenoms", "channel"]]
    empty = staff.post(f"/usagers/{usager_id}/justificatifs", files={"fichier": ("vide.pdf", b"", "application/pdf")})
    assert empty.status_code == 400 and "vide" in empty.json()["detail"]


def test_quarantine_list_and_retry_from_the_console(env: ConsoleEnv) -> None:
    hot = env.settings.effective_scanner_folders[0]
    path = hot / "justificatifs" / "404" / "inconnu.png"
    path.parent.mkdir(parents=True)
    envelope(["ATTESTATION"]).save(path)
    taken = take(env.services, path, PurePath("justificatifs", "404", "inconnu.png"))
    assert run_job(env.services, taken.job_id) == "quarantined"
    agent = env.client(Role.AGENT)
    page = agent.get("/quarantaine", headers=HTML)
    assert "inconnu.png" in page.text and "dossier n° 404 inconnu" in page.text
    assert agent.get("/api/traitement").json()["quarantined"] == 1
    retried = agent.post(f"/quarantaine/{taken.job_id}/reessayer")
    assert retried.status_code == 303
    with env.services.sessions() as session:
        assert session.get(IngestJob, taken.job_id).status == "queued"  # type: ignore[union-attr]
    assert _events(env, "ingest.retry")[-1].actor == f"user:{env.ids['user_agent']}"
    panel = agent.get("/traitement", headers={**HTML, "HX-Request": "true"})
    assert 'data-count="queued">1<' in panel.text and "<html" not in panel.text


def test_admin_creates_an_agent_and_a_kiosk_whose_key_is_shown_once(env: ConsoleEnv) -> None:
    admin = env.client(Role.ADMIN)
    created = admin.post(
        "/admin/agents", data={"username": "nouvel-agent", "role": "agent", "password": "un-mot-de-passe-long"}
    )
    assert created.status_code == 303
    short = admin.post("/admin/agents", data={"username": "court", "role": "agent", "password": "court"})
    assert short.status_code == 400 and "au moins 10" in short.json()["detail"]
    page = admin.post("/admin/bornes", data={"name": "Salle d'attente"}, headers=HTML)
    key = page.text.split('id="kiosk-key">')[1].split("<")[0]
    assert key not in admin.get("/admin/bornes", headers=HTML).text
    with env.services.sessions.begin() as session:
        assert session.scalars(select(User).where(User.username == "nouvel-agent")).one().role is Role.AGENT
        assert key not in session.scalars(select(KioskDevice.key_hash)).all()
    config = admin.get("/api/borne/config", headers={"X-Kiosk-Key": key})  # the key shown works on the kiosk API
    assert config.status_code == 200 and config.json()["structure"] == "CCAS de Saint-Denis"


def test_no_personal_data_in_logs_during_a_full_flow(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    env = make_console(tmp_path)
    agent = env.client(Role.INSTRUCTEUR)
    agent.get(f"/revue/{env.ids['mail_review']}", headers=HTML)
    agent.get(f"/revue/{env.ids['mail_review']}/adresse.png")
    agent.post(f"/revue/{env.ids['mail_review']}/confirmer", data={"usager_id": str(env.ids["usager_a"])})
    agent.post("/remise", data={"q": "martin"}, headers=HTML)
    agent.post(f"/remise/{env.ids['usager_martin']}", data={"items": str(env.ids["mail_open"]), "to": "usager"})
    agent.get(f"/documents/{env.ids['document']}")
    agent.post(f"/usagers/{env.ids['usager_martin']}", data={"nom": "Martin", "prenoms": "Jean-Pierre Paul"})
    agent.post("/logout")
    server_side = [r for r in caplog.records if not r.name.startswith("httpx")]  # httpx: the test's own client
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in server_side).casefold()
    assert len(server_side) > 10  # the flow did log
    for secret in ("diallo", "aminata", "martin", "jean-pierre", "benali", "karim", "1990-05-04", "04/05/1990"):
        assert secret not in text, secret
    with env.services.sessions() as session:
        assert verify(session).ok


def test_ugly_uploads_and_forms_get_a_clear_answer_and_leave_nothing_behind(env: ConsoleEnv) -> None:
    staff = env.client(Role.INSTRUCTEUR)
    martin = env.ids["usager_martin"]
    env.settings.ingest.max_bytes = 1000
    big = staff.post(f"/usagers/{martin}/justificatifs", files={"fichier": ("gros.pdf", b"%PDF" + b"0" * 5000)})
    assert big.status_code == 400 and "trop volumineux" in big.json()["detail"]
    odd = staff.post(f"/usagers/{martin}/justificatifs", files={"fichier": ("../../etc/passwd", b"root:x:0:0")})
    assert odd.status_code == 303
    hot = env.settings.effective_scanner_folders[0]
    [kept] = [p for p in hot.rglob("*") if p.is_file() and p.name.startswith("console-")]
    assert kept.suffix == ".bin" and kept.parent.parent.name == "justificatifs"  # quarantined by ingest, with a reason
    assert not list(hot.rglob("*.part"))
    dates = staff.post(f"/usagers/{martin}/procurations", data={"nom": "X", "debut": "2026-05-01", "fin": "2026-04-01"})
    assert dates.status_code == 400 and "précède" in dates.json()["detail"]
    page = staff.post("/remise/carte", data={"token": "é" * 300}, headers=HTML)
    assert page.status_code == 400 and "formulaire incomplet" in page.text
    assert staff.post("/remise/carte", data={"token": "éèà unknown"}).json()["detail"] == "carte inconnue ou révoquée"
    items = staff.post(f"/remise/{martin}", data={"items": "abc", "to": "usager"}, headers=HTML)
    assert items.status_code == 400 and "items" in items.text
