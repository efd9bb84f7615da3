"""The lifecycle's pages: notices and their failures, the return list (HTML and A4 PDF), renewals, statistics
with charts and the CSV / XLSX exports behind a one-time code (received by a real SMTP server)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from registry.models import (
    AgentCode,
    AuditEvent,
    Domiciliation,
    DomiciliationType,
    MailItem,
    MailStatus,
    Notification,
    Role,
    User,
    utcnow,
)
from tests.conftest import require
from tests.console_env import PASSWORD, ConsoleEnv, make_console
from tests.harness.browser import ARTIFACTS, chromium, chromium_missing, serve
from tests.notify_env import Inbox, send_to, smtp_inbox
from tests.stats_env import seed_year

DOCS = Path(__file__).resolve().parents[1] / "docs"
ROW = re.compile(r'<tr data-key="([\w.]+)">.*?<td class="num">([^<]*)</td>', re.S)


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with smtp_inbox() as running:
        yield running


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> ConsoleEnv:
    env = make_console(tmp_path_factory.mktemp("lifecycle-pages"))
    send_to(env.settings, inbox)
    with env.services.sessions.begin() as session:
        session.execute(update(User).where(User.username == "agent-responsable").values(email="resp@ccas.test"))
        structure_id = session.get(User, env.ids["user_admin"]).structure_id  # type: ignore[union-attr]
        seed_year(session, structure_id)
    return env


def _code(inbox: Inbox) -> str:
    messages = inbox.drain()
    assert [m["X-Envelope-To"] for m in messages] == ["resp@ccas.test"]
    found = re.search(r"\b(\d{6})\b", messages[0].get_content())
    assert found is not None
    return found.group(1)


def _page_figures(html: str) -> dict[str, str]:
    return dict(ROW.findall(html))


def test_failed_notice_shows_its_error_and_can_be_retried(env: ConsoleEnv) -> None:
    with env.services.sessions.begin() as session:
        session.execute(
            update(Notification)
            .where(Notification.id == env.ids["notice"])
            .values(status="failed", attempts=6, last_error="le SMS n'a pas pu être envoyé (HTTP 503)")
        )
    client = env.client(Role.AGENT)
    page = client.get("/envois")
    assert page.status_code == 200
    failed = page.text.split('class="notices-failed"')[1].split("</table>")[0]
    assert "MARTIN Jean-Pierre" in failed and "HTTP 503" in failed and "Réessayer" in failed
    assert client.post(f"/envois/{env.ids['notice']}/reessayer").status_code == 303
    with env.services.sessions() as session:
        notice = session.get(Notification, env.ids["notice"])
        assert notice is not None and (notice.status, notice.attempts) == ("pending", 0)
    assert client.post(f"/envois/{env.ids['notice']}/reessayer").status_code == 303, "a pending notice too"


def test_return_list_html_pdf_and_confirmation(env: ConsoleEnv) -> None:
    with env.services.sessions.begin() as session:
        mail = session.get(MailItem, env.ids["mail_open"])
        assert mail is not None
        mail.return_marked_at, mail.reminders_sent, mail.sender = utcnow(), 3, "Tribunal judiciaire"
    client = env.client(Role.AGENT)
    page = client.get("/courrier/retours")
    assert "MARTIN Jean-Pierre" in page.text and "Tribunal judiciaire" in page.text
    pdf = client.get("/courrier/retours.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842), "A4"
    text = reader.pages[0].extract_text()
    assert "MARTIN Jean-Pierre" in text and "Tribunal judiciaire" in text and "Tampon" in text
    assert re.search(r"\d{2}/\d{2}/\d{4}", text)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "retours.pdf").write_bytes(pdf.content)
    done = client.post("/courrier/retours/confirmer", data={"items": str(env.ids["mail_open"])})
    assert done.status_code == 303
    with env.services.sessions() as session:
        mail = session.get(MailItem, env.ids["mail_open"])
        assert mail is not None and mail.status is MailStatus.RETOURNE and mail.return_reason == "non_reclame"
    assert "MARTIN" not in client.get("/courrier/retours").text
    again = client.post("/courrier/retours/confirmer", data={"items": str(env.ids["mail_open"])})
    assert again.status_code == 400


def test_renewal_is_opened_once(env: ConsoleEnv) -> None:
    client = env.client(Role.INSTRUCTEUR)
    usager = env.ids["usager_a"]
    assert client.post(f"/usagers/{usager}/renouvellement").status_code == 303
    assert client.post(f"/usagers/{usager}/renouvellement").status_code == 400
    with env.services.sessions() as session:
        kinds = session.scalars(select(Domiciliation.type).where(Domiciliation.usager_id == usager)).all()
    assert kinds.count(DomiciliationType.RENOUVELLEMENT) == 1
    assert env.client(Role.AGENT).post(f"/usagers/{usager}/renouvellement").status_code == 403


def test_statistics_exports_need_a_one_time_code_and_match_the_page(env: ConsoleEnv, inbox: Inbox) -> None:
    client = env.client(Role.RESPONSABLE)
    today = utcnow().date()
    period = {"du": (today - dt.timedelta(days=365)).isoformat(), "au": today.isoformat()}
    page = client.get("/statistiques", params=period)
    assert page.status_code == 200
    figures = _page_figures(page.text)
    assert int(figures["courrier.recus"]) >= 600 and int(figures["courrier.remis"]) > 400
    assert int(figures["courrier.notifies"]) >= 600 and int(figures["decisions.refus"]) >= 1
    for name in ("courrier", "decisions", "borne"):
        chart = client.get("/statistiques/graphique.png", params={**period, "nom": name})
        assert chart.headers["content-type"] == "image/png" and chart.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/statistiques/graphique.png", params={"nom": "autre"}).status_code == 404

    # Without a code, or with a wrong one, nothing is exported.
    direct = client.post("/statistiques/export", data={**period, "format": "xlsx", "code": "000000"})
    assert direct.status_code == 400 and not direct.headers["content-type"].startswith("application/vnd")
    asked = client.post("/statistiques/export/code", data={**period, "format": "xlsx"})
    assert asked.status_code == 303 and asked.headers["location"].startswith("/statistiques/export?")
    code = _code(inbox)
    assert client.get(asked.headers["location"]).status_code == 200
    wrong = "111111" if code != "111111" else "222222"
    assert client.post("/statistiques/export", data={**period, "format": "xlsx", "code": wrong}).status_code == 400
    xlsx = client.post("/statistiques/export", data={**period, "format": "xlsx", "code": code})
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    summary = list(book["Synthèse"].iter_rows(min_row=3, values_only=True))
    labels = [k for k in figures]  # the page's rows, in order
    assert len(summary) == len(labels)
    for key, (_, _, value) in zip(labels, summary, strict=True):
        page_value = figures[key]
        assert ("—" if value in (None, "") else str(value)) == page_value, key
    series = list(book["Courrier par période"].iter_rows(min_row=2, values_only=True))
    assert sum(r[1] for r in series) == int(figures["courrier.recus"])
    assert sum(r[3] for r in series) == int(figures["courrier.remis"])
    reused = client.post("/statistiques/export", data={**period, "format": "xlsx", "code": code})
    assert reused.status_code == 400, "a code serves once"

    client.post("/statistiques/export/code", data={**period, "format": "csv"})
    exported = client.post("/statistiques/export", data={**period, "format": "csv", "code": _code(inbox)})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    values = {r[1]: r[2] for r in rows if len(r) == 3 and r[0] == "Courrier"}
    assert values["plis reçus"] == figures["courrier.recus"]
    with env.services.sessions() as session:
        exports = session.scalars(select(AuditEvent).where(AuditEvent.action == "stats.export")).all()
        assert [e.details["format"] for e in exports] == ["xlsx", "csv"]
        refused = session.scalars(select(AuditEvent).where(AuditEvent.action == "agent_code.refused")).all()
        assert len(refused) >= 2 and all(code not in str(e.details) for e in refused)
        assert all(len(c.code_hash) == 64 for c in session.scalars(select(AgentCode)))


def test_an_agent_without_e_mail_is_told_and_agents_cannot_see_statistics(env: ConsoleEnv) -> None:
    admin = env.client(Role.ADMIN)  # no e-mail on the admin's account
    today = utcnow().date().isoformat()
    refused = admin.post("/statistiques/export/code", data={"du": today, "au": today, "format": "csv"},
                         headers={"accept": "text/html"})  # fmt: skip
    assert refused.status_code == 400 and "adresse e-mail : demandez" in refused.text
    assert env.client(Role.AGENT).get("/statistiques", headers={"accept": "text/html"}).status_code == 403
    bad = admin.get("/statistiques", params={"du": today, "au": "2000-01-01"}, headers={"accept": "text/html"})
    assert bad.status_code == 400


def test_statistics_page_draws_its_charts_in_chromium(env: ConsoleEnv) -> None:
    require(chromium_missing(), "Chromium")
    with serve(env.app) as base, chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/statistiques")
        page.get_by_label("Identifiant").fill("agent-responsable")
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(f"{base}/statistiques")
        page.wait_for_load_state("networkidle")
        widths = page.eval_on_selector_all("figure.chart img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
        assert len(widths) == 3 and all(w > 300 for w in widths), widths
        assert "Statistiques" in page.locator("h1").inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "statistiques.png"
        page.screenshot(path=str(shot), full_page=False)
        if os.environ.get("COFFRE_README_SCREENSHOT"):  # as the console's: docs/ changes only when asked
            shutil.copy(shot, DOCS / "statistiques.png")
        assert problems == []
        context.close()
