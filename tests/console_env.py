"""A console under test: a structure with one agent per role, usagers, real ingested mail, a second structure."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfgen import canvas
from sqlalchemy import select

from api.app import create_app
from ingest.context import Services
from ingest.pipeline import run_job
from ingest.take import take
from registry.db import make_engine, session_factory, upgrade
from registry.models import (
    Channel,
    DecisionOutcome,
    Document,
    Domiciliation,
    DomiciliationStatus,
    DomiciliationType,
    MailItem,
    MailKind,
    MailStatus,
    Notification,
    Role,
    Structure,
    Usager,
    utcnow,
)
from registry.services import mail as mail_service
from registry.services.domiciliations import change_status, decide, open_request
from registry.services.kiosks import register_kiosk
from registry.services.portal import account_of
from registry.services.structures import ensure_structure
from registry.services.usagers import create_usager, issue_card
from registry.services.users import create_user, hash_password
from registry.settings import IngestSettings, Settings, StorageBackend, StorageSettings
from signing.issue import store

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PASSWORD = "mot-de-passe-de-test"
PORTAL_PASSWORD = "phrase de passe du portail"
# Contacts of the usagers (for the portal's one-time codes): personal data that must never reach a log.
CONTACTS = {
    "usager_a": {"telephone": "+33 6 12 34 56 78", "channel": "sms"},
    "usager_b": {"email": "aminata.diallo84@example.org", "channel": "email"},
    "usager_martin": {"email": "jp.martin@example.org", "telephone": "+33 7 98 76 54 32", "channel": "email"},
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class ConsoleEnv:
    settings: Settings
    app: FastAPI
    services: Services
    ids: dict[str, int] = field(default_factory=dict)  # named objects of the main structure
    other: dict[str, int] = field(default_factory=dict)  # objects of the second structure (IDOR targets)
    secrets: dict[str, str] = field(default_factory=dict)  # kiosk keys and card tokens, as shown once

    def usager_client(self, key: str) -> TestClient:
        """A client logged in to the portal as the usager `ids[key]` (their account set up as after a first log-in)."""
        with self.services.sessions.begin() as session:
            account = account_of(session, self.ids[key])
            if account.password_hash is None:
                account.password_hash, account.activated_at = hash_password(PORTAL_PASSWORD), utcnow()
            numero = session.get(Usager, self.ids[key]).numero  # type: ignore[union-attr]
        client = TestClient(self.app, follow_redirects=False)
        page = client.get("/portail/connexion")
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        done = client.post(
            "/portail/connexion", data={"numero": numero, "password": PORTAL_PASSWORD, "csrf_token": token}
        )
        assert done.status_code == 303, done.text
        home = client.get("/portail")
        client.headers["X-CSRF-Token"] = CSRF.search(home.text).group(1)  # type: ignore[union-attr]
        return client

    def client(self, role: Role | None = None, *, username: str | None = None) -> TestClient:
        """A client logged in as the agent of `role` (or `username`), with its CSRF token sent on writes."""
        client = TestClient(self.app, follow_redirects=False)
        if role is None and username is None:
            return client
        login(client, username or f"agent-{role.value}")
        return client


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    page = client.get("/login")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    done = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert done.status_code == 303, done.text
    home = client.get("/", follow_redirects=True)
    client.headers["X-CSRF-Token"] = CSRF.search(home.text).group(1)  # type: ignore[union-attr]


def envelope(lines: list[str]) -> Image.Image:
    """A window envelope scanned at 200 dpi, the address in the French right window."""
    image = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 38)
    draw.text((140, 140), "CAF de la Seine-Saint-Denis", fill=0, font=font)
    for i, line in enumerate(lines):
        draw.text((880, 470 + i * 58), line, fill=0, font=font)
    return image


def _ingest(env: ConsoleEnv, name: str, lines: list[str]) -> int:
    path = env.settings.effective_scanner_folders[0] / "courrier" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    envelope(lines).save(path)
    taken = take(env.services, path, PurePath("courrier", name))
    assert run_job(env.services, taken.job_id) == "done"
    with env.services.sessions() as session:
        item = session.query(MailItem).order_by(MailItem.id.desc()).first()
        assert item is not None
        return item.id


def _before_commission(session, usager: Usager, deciders: list[int]) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A file awaiting the commission's decision, and a refusal decided but not signed yet."""
    waiting = open_request(session, usager)
    change_status(session, waiting, DomiciliationStatus.ATTENTE_DECISION)
    decided = open_request(session, usager)
    change_status(session, decided, DomiciliationStatus.ATTENTE_DECISION)
    decision = decide(
        session, decided, DecisionOutcome.REFUS, commission_date=dt.date.today(), decider_ids=deciders,
        motif="Absence de lien avec la commune.",
    )  # fmt: skip
    return waiting.id, decision.id


def _pdf(text: str) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.drawString(100, 700, text)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _portal_content(env: ConsoleEnv) -> None:
    """What the usagers' portal shows: contacts, A's domiciliation, attestation and justificatif, B's mail."""
    ids, vault, sessions = env.ids, env.services.vault, env.services.sessions
    today = mail_service.today()
    with sessions.begin() as session:
        for key, fields in CONTACTS.items():
            usager = session.get(Usager, ids[key])
            for name, value in fields.items():
                setattr(usager, name, Channel(value) if name == "channel" else value)
        session.add(
            Domiciliation(
                usager_id=ids["usager_a"], type=DomiciliationType.PREMIERE, status=DomiciliationStatus.VALIDE,
                debut=today - dt.timedelta(days=330), fin=today + dt.timedelta(days=35),
            )
        )  # fmt: skip
    documents = (
        ("attestation_a", "usager_a", "attestation", "Attestation d'élection de domicile"),
        ("document_a", "usager_a", "justificatif", "Attestation CAF"),
        ("document_b", "usager_b", "justificatif", "Pièce d'identité"),
        ("scan_b", "usager_b", "enveloppe", "Enveloppe"),
    )
    for name, owner, kind, title in documents:
        _, ids[name] = store(vault, _pdf(f"{title} {name}"), kind=kind, title=title, usager_id=ids[owner], actor="test")
    with sessions.begin() as session:
        # B's open letter (an old one: today's mail at the counter is unchanged), its scan an envelope of B.
        letter = MailItem(
            structure_id=session.get(Usager, ids["usager_b"]).structure_id, usager_id=ids["usager_b"],  # type: ignore[union-attr]
            kind=MailKind.RECOMMANDE, sender="Tribunal judiciaire", status=MailStatus.NOTIFIE,
            received_at=utcnow() - dt.timedelta(days=3), scan_document_id=ids["scan_b"],
        )  # fmt: skip
        other_doc = Document(
            usager_id=env.other["usager"], kind="justificatif", sha256="0" * 64, size=1,
            mime_type="application/pdf", storage_key=str(10**6),
        )  # fmt: skip
        session.add_all([letter, other_doc])
        session.flush()
        ids["mail_b"], env.other["portal_document"] = letter.id, other_doc.id


def make_console(tmp_path: Path, database_url: str | None = None) -> ConsoleEnv:
    hot = tmp_path / "scanner"
    url = database_url or f"sqlite:///{tmp_path / 'coffre.db'}"
    settings = Settings(
        var_dir=tmp_path / "var",
        database_url=url,
        scanner_folders=[hot],
        storage=StorageSettings(backend=StorageBackend.LOCAL, local_dir=tmp_path / "vault"),
        ingest=IngestSettings(settle_seconds=0.3),
    )
    settings.ensure_dirs()
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    ids: dict[str, int] = {}
    other: dict[str, int] = {}
    secrets: dict[str, str] = {}
    with sessions.begin() as session:
        structure = ensure_structure(session, settings.structure)
        for role in Role:
            user = create_user(
                session, structure.id, f"agent-{role.value}", PASSWORD, role, full_name=f"Agent {role.value}"
            )
            ids[f"user_{role.value}"] = user.id
        born = dt.date(1990, 5, 4)
        ids["usager_a"] = create_usager(session, structure.id, nom="Diallo", prenoms="Aminata", date_naissance=born).id
        ids["usager_b"] = create_usager(
            session, structure.id, nom="Diallo", prenoms="Aminata", date_naissance=dt.date(1984, 11, 2)
        ).id
        martin = create_usager(session, structure.id, nom="Martin", prenoms="Jean-Pierre", date_naissance=born)
        ids["usager_martin"] = martin.id
        today = mail_service.today()
        ids["procuration"] = mail_service.add_procuration(
            session, martin, nom="Benali", prenoms="Karim", debut=today, fin=today + dt.timedelta(days=90), actor="test"
        ).id
        kiosk = register_kiosk(session, structure.id, "Accueil", actor="test")
        ids["kiosk"], secrets["kiosk_key"] = kiosk.kiosk_id, kiosk.key
        secrets["card_martin"] = issue_card(session, martin, actor="test").token
        secrets["card_a"] = issue_card(session, session.get(Usager, ids["usager_a"]), actor="test").token
        camara = create_usager(session, structure.id, nom="Camara", prenoms="Fatou", date_naissance=born)
        ids["usager_camara"] = camara.id
        ids["domiciliation"], ids["decision"] = _before_commission(
            session, camara, [ids["user_commission"], ids["user_responsable"]]
        )
        # A second structure: nothing of it may be reachable from the first one's agents.
        second = Structure(name="CCAS de Bobigny", postcode="93000", town="BOBIGNY")
        session.add(second)
        session.flush()
        other["user"] = create_user(session, second.id, "agent-bobigny", PASSWORD, Role.ADMIN).id
        stranger = create_usager(session, second.id, nom="Autre", prenoms="Personne")
        other["usager"] = stranger.id
        other["procuration"] = mail_service.add_procuration(
            session, stranger, nom="X", prenoms="Y", debut=today, fin=today, actor="test"
        ).id
        foreign_kiosk = register_kiosk(session, second.id, "Bobigny", actor="test")
        other["kiosk"], secrets["kiosk_key_other"] = foreign_kiosk.kiosk_id, foreign_kiosk.key
        secrets["card_other"] = issue_card(session, stranger, actor="test").token
        other["domiciliation"], other["decision"] = _before_commission(session, stranger, [other["user"]])
    env = ConsoleEnv(settings, create_app(settings, engine), Services.open(settings), ids, other, secrets)
    address = ["CCAS de Saint-Denis", "Service domiciliation", "2 place Victor Hugo", "93200 SAINT-DENIS"]
    env.ids["mail_review"] = _ingest(env, "homonym.png", ["Madame Aminata DIALLO", *address])
    env.ids["mail_open"] = _ingest(env, "martin.png", ["Monsieur Jean-Pierre MARTIN", *address])
    with sessions.begin() as session:
        review = session.get(MailItem, env.ids["mail_review"])
        opened = session.get(MailItem, env.ids["mail_open"])
        assert review is not None and opened is not None
        assert review.status is MailStatus.EN_REVUE, "homonyms must go to review"
        assert opened.status is MailStatus.RECU and opened.usager_id == martin.id
        env.ids["document"] = opened.scan_document_id or 0
        env.ids["scan_review"] = review.scan_document_id or 0
        # The other structure's mail and document, for the cross-structure checks.
        foreign = MailItem(structure_id=second.id, usager_id=stranger.id, status=MailStatus.RECU)
        session.add(foreign)
        session.flush()
        other["mail"] = foreign.id
        # The batched notice the ingest hook queued for Martin's letter, and one of the other structure.
        env.ids["notice"] = session.scalars(select(Notification.id).where(Notification.usager_id == martin.id)).one()
        foreign_notice = Notification(
            usager_id=stranger.id, purpose="courrier", dedupe_key="courrier:other", due_at=utcnow(), status="failed",
            attempts=6, details={},
        )  # fmt: skip
        session.add(foreign_notice)
        session.flush()
        other["notice"] = foreign_notice.id
    _portal_content(env)
    return env
