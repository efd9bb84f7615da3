"""The usagers' portal in Debian's Chromium (Playwright) on a phone-sized screen, against the harness's
PostgreSQL: first log-in with a code received by e-mail, lockout, a journaled download, no reach into
another usager's documents, keyboard only, a notice's link followed from another site."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from registry.models import AuditEvent, Document, Usager
from tests.conftest import require
from tests.console_env import PORTAL_PASSWORD, ConsoleEnv, make_console
from tests.harness.browser import ARTIFACTS, chromium, chromium_missing, serve
from tests.notify_env import Inbox, send_to, smtp_inbox

PHONE = {"width": 360, "height": 740}
NEW_PASSWORD = "une phrase facile à retenir"


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with smtp_inbox() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, pg_server, inbox: Inbox) -> Iterator[tuple[ConsoleEnv, str]]:  # type: ignore[no-untyped-def]
    require(chromium_missing(), "Chromium")
    env = make_console(tmp_path_factory.mktemp("portal-browser"), pg_server.create_database())
    send_to(env.settings, inbox)
    with serve(env.app) as url:
        yield env, url


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A phone-sized page that records console errors (a CSP violation is one), page errors and failed resources.

    A form refused with a 400 is a page the usager must see, not a problem: only sub-resources count.
    """
    context = browser.new_context(viewport=PHONE, locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda m: (
            page.problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource: the server responded")
            else None
        ),
    )
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on(
        "response",
        lambda r: (
            page.problems.append(f"{r.status} {r.url}")
            if r.request.resource_type != "document" and r.status >= 400
            else None
        ),
    )
    yield page
    context.close()


def _numero(env: ConsoleEnv, key: str) -> str:
    with env.services.sessions() as session:
        return session.get(Usager, env.ids[key]).numero  # type: ignore[union-attr]


def _tab_to(page, element_id: str, limit: int = 30) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the element has the focus, which must be visible (an outline)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline not in ("", "none"), f"no visible focus on #{element_id}"
            return
    raise AssertionError(f"#{element_id} cannot be reached with the keyboard")


def _code(inbox: Inbox) -> str:
    """The code of the next message (sent after the page answered: wait for it)."""
    message = inbox.messages.get(timeout=15)
    return re.findall(r"\b(\d{6})\b", message.get_content())[0]


def _log_in(page, base: str, numero: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/portail/connexion")
    page.get_by_label("Numéro de domiciliation").fill(numero)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def _no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_first_log_in_with_a_code_received_by_email_keyboard_only(served, page, inbox: Inbox) -> None:  # type: ignore[no-untyped-def]
    env, base = served
    page.goto(f"{base}/portail")
    assert page.url == f"{base}/portail/connexion?next=/portail"
    assert page.evaluate("() => document.documentElement.lang") == "fr"
    _no_horizontal_scroll(page)
    page.get_by_role("link", name="Première connexion ou mot de passe oublié").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/portail/premiere-connexion")

    _tab_to(page, "numero")
    page.keyboard.type(_numero(env, "usager_martin"))
    _tab_to(page, "date_naissance")
    page.keyboard.type("04/05/1990")
    page.keyboard.press("Enter")
    status = page.get_by_role("status")
    status.wait_for()
    assert "un code vient d'être envoyé par SMS ou par e-mail" in status.inner_text()
    _no_horizontal_scroll(page)

    code = _code(inbox)
    assert page.evaluate("() => document.activeElement.id") == "code"  # the code field waits, focused
    page.keyboard.type(code)
    _tab_to(page, "password")
    page.keyboard.type(NEW_PASSWORD)
    _tab_to(page, "confirm")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/portail")

    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Jean-Pierre"
    assert page.locator("#mail-count").inner_text() == "1 courrier vous attend."
    mail = page.get_by_role("region", name="Courrier en attente").inner_text()
    assert "lettre" in mail and "arrivé le" in mail
    _no_horizontal_scroll(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portal-home.png"), full_page=True)
    size = page.evaluate("() => performance.getEntriesByType('navigation')[0].transferSize")
    assert 0 < size < 8000  # a light page
    assert page.problems == []


def test_five_wrong_passwords_lock_the_account_and_the_page_says_so(served, page) -> None:  # type: ignore[no-untyped-def]
    env, base = served
    env.usager_client("usager_b")  # an account whose password is set
    numero = _numero(env, "usager_b")
    for attempt in range(5):
        _log_in(page, base, numero, f"mauvais mot de passe {attempt}")
        alert = page.get_by_role("alert").inner_text()
        expected = "bloqué pendant une heure" if attempt == 4 else "Numéro ou mot de passe incorrect."
        assert expected in alert, (attempt, alert)
    _log_in(page, base, numero, PORTAL_PASSWORD)
    assert "bloqué pendant une heure" in page.get_by_role("alert").inner_text()
    assert page.url == f"{base}/portail/connexion"
    assert page.get_by_label("Numéro de domiciliation").input_value() == numero  # nothing to type again
    assert page.problems == []


def test_a_document_downloads_and_the_read_is_journaled(served, page) -> None:  # type: ignore[no-untyped-def]
    env, base = served
    env.usager_client("usager_a")
    _log_in(page, base, _numero(env, "usager_a"), PORTAL_PASSWORD)
    page.wait_for_url(f"{base}/portail")
    assert "pensez à la renouveler" in page.get_by_role("region", name="Ma domiciliation").inner_text()
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Télécharger mon attestation de domiciliation").click()
    download = downloading.value
    data = Path(download.path()).read_bytes()
    with env.services.sessions() as session:
        document = session.get(Document, env.ids["attestation_a"])
        assert document is not None
        reads = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "vault.read", AuditEvent.target == f"object:{document.storage_key}"
            )
        ).all()
    assert download.suggested_filename == f"document-{document.id}.pdf"
    assert hashlib.sha256(data).hexdigest() == document.sha256
    assert [e.actor for e in reads] == [f"usager:{env.ids['usager_a']}"]
    assert "consultation par l'usager sur le portail" in str(reads[0].details)
    assert page.problems == []


def test_usager_a_cannot_open_b_s_documents_by_url(served, page) -> None:  # type: ignore[no-untyped-def]
    env, base = served
    env.usager_client("usager_a")
    _log_in(page, base, _numero(env, "usager_a"), PORTAL_PASSWORD)
    page.wait_for_url(f"{base}/portail")
    assert "Tribunal judiciaire" not in page.content()  # B's letter
    others = ("document_b", "scan_b", "document")  # B's justificatif and envelope, Martin's envelope
    for key in others:
        response = page.goto(f"{base}/portail/documents/{env.ids[key]}")
        assert response is not None and response.status == 404, key
        assert page.get_by_role("alert").inner_text() == "Document introuvable."
    with env.services.sessions() as session:
        keys = session.scalars(
            select(Document.storage_key).where(
                Document.id.in_([env.ids[k] for k in ("document_b", "scan_b", "document")])
            )
        ).all()
        read_by_a = session.scalars(
            select(AuditEvent.id).where(
                AuditEvent.action == "vault.read",
                AuditEvent.actor == f"usager:{env.ids['usager_a']}",
                AuditEvent.target.in_([f"object:{k}" for k in keys]),
            )
        ).all()
    assert len(keys) == 3 and read_by_a == []
    page.get_by_role("link", name="Retour à mon espace").click()
    page.wait_for_url(f"{base}/portail")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{base}/portail/connexion")
    page.goto(f"{base}/portail/documents/{env.ids['attestation_a']}")
    assert page.url.startswith(f"{base}/portail/connexion?next=")


def test_a_link_from_an_sms_opens_the_portal_logged_in(served, page) -> None:  # type: ignore[no-untyped-def]
    """The notice's link is followed from another site (the SMS or mail app): the session cookie must come along
    on that top-level GET (SameSite=Lax), while the portal's writes still need the page's CSRF token."""
    env, base = served
    env.usager_client("usager_a")
    _log_in(page, base, _numero(env, "usager_a"), PORTAL_PASSWORD)
    page.wait_for_url(f"{base}/portail")
    elsewhere = "https://sms.example.test/message"
    page.route(
        elsewhere,
        lambda route: route.fulfill(
            content_type="text/html", body=f'<p>Vous avez du courrier.</p><a href="{base}/portail">Voir</a>'
        ),
    )
    page.goto(elsewhere)
    page.get_by_role("link", name="Voir").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/portail"  # not the log-in page
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    refused = page.request.post(f"{base}/portail/deconnexion", headers={"Origin": "https://sms.example.test"})
    assert refused.status in (400, 403)  # a write from elsewhere, without the page's token
    page.goto(f"{base}/portail")
    assert page.url == f"{base}/portail"  # and the session is still open
    assert page.problems == []
