"""The console in Debian's Chromium (Playwright), against the harness's PostgreSQL: the agent's day, page by page."""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path, PurePath

import pytest
from sqlalchemy import select

from ingest.pipeline import run_job
from ingest.take import take
from registry.models import AuditEvent
from tests.conftest import require
from tests.console_env import PASSWORD, ConsoleEnv, envelope, make_console
from tests.harness.browser import ARTIFACTS, chromium, chromium_missing, serve


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, pg_server) -> Iterator[tuple[ConsoleEnv, str]]:  # type: ignore[no-untyped-def]
    require(chromium_missing(), "Chromium")
    env = make_console(tmp_path_factory.mktemp("browser"), pg_server.create_database())
    with serve(env.app) as url:
        yield env, url


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with chromium() as launched:
        yield launched


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _log_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/revue")
    assert page.url.startswith(f"{base}/login?next=/revue")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/revue")


def test_agent_reviews_hands_over_and_opens_a_document(served, browser) -> None:  # type: ignore[no-untyped-def]
    env, base = served
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.text} {m.location.get('url')}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    _log_in(page, base, "agent-agent")
    page.get_by_role("link", name="vérifier", exact=True).first.click()
    page.wait_for_url(re.compile(r".*/revue/\d+$"))
    crop = page.get_by_role("img", name=re.compile("Bloc adresse"))
    crop.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 100", crop.element_handle())
    assert "Madame Aminata DIALLO" in page.locator("#ocr-text").inner_text()
    assert page.get_by_role("button", name="C'est lui / elle").count() == 2
    _shot(page, "review-queue")
    page.get_by_role("button", name="C'est lui / elle").first.click()
    page.wait_for_url(re.compile(r".*/revue\?msg="))
    assert page.get_by_role("status").inner_text() == "Pli attribué."
    assert "Rien à vérifier" in page.content()

    page.get_by_role("link", name="Remise").click()
    page.get_by_label(re.compile("cherchez par nom")).fill("martin")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="MARTIN Jean-Pierre").click()
    page.get_by_label("un mandataire (procuration)").check()
    choice = page.get_by_label("Procurations")
    assert "BENALI Karim" in choice.inner_text()
    choice.select_option(value=str(env.ids["procuration"]))
    _shot(page, "remise")
    page.get_by_role("button", name="Remettre les plis cochés").click()
    assert page.get_by_role("status").inner_text() == "Courrier remis et enregistré."

    page.goto(f"{base}/usagers/{env.ids['usager_martin']}")
    assert "remis" in page.locator("section", has_text="Courrier").first.inner_text()
    _shot(page, "usager-file")
    with page.expect_response(re.compile(r".*/documents/\d+$")) as opened:
        page.locator('a[href^="/documents/"]').first.click()
    assert opened.value.status == 200 and opened.value.headers["content-type"] == "application/pdf"
    reads = [e for e in _events(env, "vault.read") if e.actor == f"user:{env.ids['user_agent']}"]
    assert reads and "consultation au guichet" in str(reads[-1].details)
    assert problems == []
    context.close()


def test_every_console_page_renders_in_chromium(served, browser) -> None:  # type: ignore[no-untyped-def]
    env, base = served
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")  # a phone-sized screen
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.text} {m.location.get('url')}") if m.type == "error" else None)
    _log_in(page, base, "agent-admin")
    titles = {
        "/courrier": "Courrier du",
        "/revue": "Courrier à vérifier",
        "/remise": "Remise du courrier",
        "/usagers": "Usagers",
        "/usagers/nouveau": "Nouvel usager",
        f"/usagers/{env.ids['usager_a']}": "DIALLO Aminata",
        "/quarantaine": "Fichiers en quarantaine",
        "/traitement": "Traitement des scans",
        "/admin/agents": "Agents et rôles",
        "/admin/bornes": "Bornes",
    }
    for path, title in titles.items():
        page.goto(base + path)
        assert title in page.locator("h1").inner_text(), path
        _shot(page, "page" + path.replace("/", "-"))
    page.goto(f"{base}/usagers/nouveau")
    page.get_by_label("Nom", exact=True).fill("Hoxha")
    page.get_by_label("Prénoms").fill("Arben")
    page.get_by_label("Date de naissance").fill("1979-08-30")
    page.get_by_role("button", name="Enregistrer").click()
    assert page.get_by_role("status").inner_text() == "Dossier enregistré."
    assert "HOXHA Arben" in page.locator("h1").inner_text()
    page.get_by_role("link", name="Modifier").click()
    page.get_by_label("Prénoms").fill("Arben Luan")
    page.get_by_role("button", name="Enregistrer").click()
    assert "HOXHA Arben Luan" in page.locator("h1").inner_text()
    scan = io.BytesIO()
    envelope(["ATTESTATION DE DROITS"]).save(scan, format="PNG")
    page.get_by_label(re.compile("Ajouter un justificatif")).set_input_files(
        files=[{"name": "caf.png", "mimeType": "image/png", "buffer": scan.getvalue()}]
    )
    page.get_by_role("button", name="Envoyer").click()
    assert page.get_by_role("status").inner_text().startswith("Justificatif reçu")
    assert len(list(env.settings.effective_scanner_folders[0].rglob("console-*.png"))) == 1

    hot = env.settings.effective_scanner_folders[0] / "courrier"
    (hot / "abime.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog")  # cut short
    taken = take(env.services, hot / "abime.pdf", PurePath("courrier", "abime.pdf"))
    assert taken.status == "quarantined" or run_job(env.services, taken.job_id) == "quarantined"
    page.goto(f"{base}/quarantaine")
    assert "abime.pdf" in page.locator("table").inner_text() and "PDF" in page.locator("table").inner_text()
    page.get_by_role("button", name="Réessayer").click()
    assert page.get_by_role("status").inner_text() == "Fichier remis en traitement."

    page.goto(f"{base}/traitement")
    page.wait_for_timeout(5600)  # htmx refreshes the panel every 5 s
    assert page.locator("#pipeline-status").count() == 1
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{base}/login")
    assert problems == []
    context.close()
    if os.environ.get("COFFRE_README_SCREENSHOT"):
        shutil.copy(ARTIFACTS / "review-queue.png", Path(__file__).parent.parent / "docs" / "review-queue.png")


def _events(env: ConsoleEnv, action: str) -> list[AuditEvent]:
    with env.services.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))
