"""The usagers' portal through its routes: one-time codes by a real SMTP server and an HTTP SMS gateway,
lockout, downloads journaled, no usager reaching another's mail or documents, no personal data in logs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, update

import notify
from api.routers.portal import birth_date
from registry.audit import verify
from registry.models import (
    AuditEvent,
    Channel,
    Document,
    Domiciliation,
    MailItem,
    Role,
    Usager,
    UsagerAccount,
    UsagerOtp,
    UsagerSession,
)
from registry.services.mail import LOCAL_TZ
from registry.services.portal import domiciliation_state
from tests.console_env import CONTACTS, CSRF, PORTAL_PASSWORD, ConsoleEnv, make_console
from tests.notify_env import SMS_TOKEN, Inbox, SmsGateway, free_port, send_to, sms_gateway, smtp_inbox

BORN = "04/05/1990"  # usager_a's, Martin's and Camara's birth date in the console env
NEW_PASSWORD = "mon nouveau mot de passe"
HTML = {"accept": "text/html"}
NUMERO_VALUE = re.compile(r'name="numero" value="[^"]*"')
SENT = "Si ces informations correspondent à un dossier, un code vient"


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with smtp_inbox() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def gateway() -> Iterator[SmsGateway]:
    with sms_gateway() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox, gateway: SmsGateway) -> ConsoleEnv:
    env = make_console(tmp_path_factory.mktemp("portal"))
    send_to(env.settings, inbox, gateway)
    return env


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest, inbox: Inbox, gateway: SmsGateway) -> Iterator[None]:
    """Each test starts with no portal account, code or session, and empty mailboxes."""
    if "env" in request.fixturenames:
        env: ConsoleEnv = request.getfixturevalue("env")
        with env.services.sessions.begin() as session:
            for table in (UsagerSession, UsagerOtp, UsagerAccount):
                session.execute(delete(table))
    inbox.drain()
    gateway.drain()
    gateway.status = 200
    yield


def _numero(env: ConsoleEnv, key: str) -> str:
    with env.services.sessions() as session:
        return session.get(Usager, env.ids[key]).numero  # type: ignore[union-attr]


def _token(client: TestClient, path: str) -> str:
    return CSRF.search(client.get(path, headers=HTML).text).group(1)  # type: ignore[union-attr]


def _ask_code(client: TestClient, numero: str, born: str = BORN):  # type: ignore[no-untyped-def]
    token = _token(client, "/portail/premiere-connexion")
    return client.post(
        "/portail/premiere-connexion",
        data={"numero": numero, "date_naissance": born, "csrf_token": token},
        headers=HTML,
    )


def _use_code(client: TestClient, numero: str, code: str, password: str = NEW_PASSWORD, confirm: str | None = None):  # type: ignore[no-untyped-def]
    token = _token(client, "/portail/code")
    form = {"numero": numero, "code": code, "password": password, "confirm": confirm or password, "csrf_token": token}
    return client.post("/portail/code", data=form, headers=HTML)


def _log_in(client: TestClient, numero: str, password: str):  # type: ignore[no-untyped-def]
    token = _token(client, "/portail/connexion")
    form = {"numero": numero, "password": password, "csrf_token": token}
    return client.post("/portail/connexion", data=form, headers=HTML)


def _code_in(text: str) -> str:
    found = re.findall(r"\b(\d{6})\b", text)
    assert len(found) == 1, text
    return found[0]


def _mark(env: ConsoleEnv) -> int:
    """The journal's last id: a test reads only the events after it."""
    with env.services.sessions() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


def _events(env: ConsoleEnv, prefix: str, usager_key: str | None = None, since: int = 0) -> list[AuditEvent]:
    with env.services.sessions() as session:
        query = (
            select(AuditEvent)
            .where(AuditEvent.action.startswith(prefix), AuditEvent.id > since)
            .order_by(AuditEvent.id)
        )
        if usager_key is not None:
            query = query.where(AuditEvent.target == f"usager:{env.ids[usager_key]}")
        return list(session.scalars(query))


def _otp_by_email(env: ConsoleEnv, inbox: Inbox, key: str, born: str = BORN) -> str:
    client = env.client()
    page = _ask_code(client, _numero(env, key), born)
    assert page.status_code == 200 and SENT in page.text
    [message] = inbox.drain()
    return _code_in(message.get_content())


# -- first log-in --------------------------------------------------------------------------------------


def test_first_log_in_with_a_code_sent_by_email(env: ConsoleEnv, inbox: Inbox, gateway: SmsGateway) -> None:
    since = _mark(env)
    client = env.client()
    numero = _numero(env, "usager_martin")
    page = _ask_code(client, numero)
    assert page.status_code == 200 and SENT in page.text
    assert 'name="code"' in page.text and f'value="{numero}"' in page.text  # the code form comes next
    [message] = inbox.drain()
    assert gateway.drain() == []  # Martin chose e-mail: no SMS as well
    assert message["X-Envelope-To"] == CONTACTS["usager_martin"]["email"]
    assert message["From"] == "domiciliation@ccas.test" and message["Subject"] == "Votre code de connexion"
    code = _code_in(message.get_content())
    assert "valable 15 minutes" in message.get_content()
    with env.services.sessions() as session:
        otp = session.scalars(select(UsagerOtp).where(UsagerOtp.usager_id == env.ids["usager_martin"])).one()
        assert otp.channel == "email" and otp.purpose == "activation" and code not in otp.code_hash
        assert len(otp.code_hash) == 64

    done = _use_code(client, numero, code)
    assert done.status_code == 303 and done.headers["location"] == "/portail"
    cookie = done.headers["set-cookie"]
    assert "coffre_portail=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/portail" in cookie and "Secure" not in cookie
    home = client.get("/portail", headers=HTML)
    assert home.status_code == 200 and "Bonjour Jean-Pierre" in home.text
    assert "1 courrier vous attend." in home.text and "lettre" in home.text
    assert len(home.content) < 6000  # a light page

    client.post("/portail/deconnexion", data={"csrf_token": CSRF.search(home.text).group(1)})  # type: ignore[union-attr]
    assert client.get("/portail", headers=HTML).headers["location"] == "/portail/connexion?next=/portail"
    assert _log_in(client, numero, NEW_PASSWORD).status_code == 303  # the password chosen works from now on
    actions = [e.action for e in _events(env, "portal.", "usager_martin", since)]
    assert actions == ["portal.otp_issued", "portal.otp_sent", "portal.activated"]
    by_martin = [
        e.action for e in _events(env, "portal.", since=since) if e.actor == f"usager:{env.ids['usager_martin']}"
    ]
    assert by_martin == [*actions[:3], "portal.login", "portal.logout", "portal.login"]
    for event in _events(env, "portal.", since=since):
        assert code not in json.dumps(event.details) and "@" not in json.dumps(event.details)
    with env.services.sessions() as session:
        assert verify(session).ok


def test_first_log_in_with_a_code_sent_by_sms(env: ConsoleEnv, inbox: Inbox, gateway: SmsGateway) -> None:
    client = env.client()
    numero = _numero(env, "usager_a")
    assert SENT in _ask_code(client, numero, "4/5/1990").text  # the date as people write it
    [(headers, body)] = gateway.drain()
    assert inbox.drain() == []
    assert headers["Authorization"] == f"Bearer {SMS_TOKEN}" and headers["Content-Type"] == "application/json"
    assert body["to"] == CONTACTS["usager_a"]["telephone"] and body["sender"] == "COFFRE"
    text = str(body["text"])
    assert text.startswith("CCAS de Saint-Denis : votre code") and len(text) <= 160  # one SMS
    done = _use_code(client, numero, _code_in(text))
    assert done.status_code == 303
    home = client.get("/portail", headers=HTML)
    assert "Aucun courrier en attente." in home.text
    assert "Télécharger mon attestation de domiciliation" in home.text
    assert "pensez à la renouveler" in home.text and "dans les deux mois avant la date de fin" in home.text
    with env.services.sessions() as session:
        account = session.scalars(select(UsagerAccount).where(UsagerAccount.usager_id == env.ids["usager_a"])).one()
        assert account.activated_at is not None and account.password_hash.startswith("$argon2id$")  # type: ignore[union-attr]


def test_wrong_expired_replaced_and_reused_codes_are_refused(env: ConsoleEnv, inbox: Inbox) -> None:
    client = env.client()
    numero = _numero(env, "usager_b")
    code = _otp_by_email(env, inbox, "usager_b", "02/11/1984")
    wrong = str((int(code) + 1) % 10**6).zfill(6)
    refused = _use_code(client, numero, wrong)
    assert refused.status_code == 400 and "Code incorrect ou expiré" in refused.text
    mismatch = _use_code(client, numero, code, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert mismatch.status_code == 400 and "ne sont pas identiques" in mismatch.text
    short = _use_code(client, numero, code, "court")
    assert short.status_code == 400 and "au moins 10 caractères" in short.text
    with env.services.sessions.begin() as session:  # the code is 16 minutes old
        session.execute(update(UsagerOtp).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    expired = _use_code(client, numero, code)
    assert expired.status_code == 400 and "Code incorrect ou expiré" in expired.text

    first = _otp_by_email(env, inbox, "usager_b", "02/11/1984")
    second = _otp_by_email(env, inbox, "usager_b", "02/11/1984")
    with env.services.sessions() as session:  # a new code replaces the previous one
        assert session.scalar(select(func.count()).where(UsagerOtp.used_at.is_(None))) == 1
    if first != second:  # (one chance in a million that they are the same)
        assert "Code incorrect" in _use_code(client, numero, first).text
    assert _use_code(client, numero, second).status_code == 303
    assert "Code incorrect ou expiré" in _use_code(env.client(), numero, second, "un autre mot de passe").text
    assert _log_in(env.client(), numero, NEW_PASSWORD).status_code == 303  # the reuse changed nothing
    with env.services.sessions() as session:
        account = session.scalars(select(UsagerAccount).where(UsagerAccount.usager_id == env.ids["usager_b"])).one()
        assert account.failed_logins == 0  # reset by the successful log-in


def test_forgotten_password_goes_through_a_new_code_and_ends_open_sessions(env: ConsoleEnv, inbox: Inbox) -> None:
    old = env.usager_client("usager_martin")
    since = _mark(env)
    numero = _numero(env, "usager_martin")
    code = _otp_by_email(env, inbox, "usager_martin")
    with env.services.sessions() as session:
        assert session.scalars(select(UsagerOtp.purpose)).one() == "reset"
    assert _use_code(env.client(), numero, code).status_code == 303
    assert old.get("/portail", headers=HTML).status_code == 303  # the old session ended with the old password
    assert _log_in(env.client(), numero, PORTAL_PASSWORD).status_code == 400
    assert _log_in(env.client(), numero, NEW_PASSWORD).status_code == 303
    assert [e.action for e in _events(env, "portal.password_reset", "usager_martin", since)] == [
        "portal.password_reset"
    ]


def test_the_answer_is_the_same_whoever_asks(env: ConsoleEnv, inbox: Inbox, gateway: SmsGateway) -> None:
    """Known numéro with the right birth date, a wrong date, an unknown numéro, a usager without contact."""
    since = _mark(env)
    client = env.client()

    def page(numero: str, born: str) -> tuple[int, str]:
        response = _ask_code(client, numero, born)
        return response.status_code, NUMERO_VALUE.sub("", CSRF.sub("", response.text))

    matched = page(_numero(env, "usager_martin"), BORN)
    assert len(inbox.drain()) == 1
    for numero, born in (
        (_numero(env, "usager_martin"), "05/04/1990"),
        ("99999", BORN),
        (_numero(env, "usager_camara"), BORN),  # no phone, no e-mail
        ("1' OR '1'='1", BORN),
        ("\x00", BORN),
    ):
        assert page(numero, born) == matched, numero
    assert inbox.drain() == [] and gateway.drain() == []
    [unreachable] = _events(env, "portal.otp_refused", "usager_camara", since)
    assert unreachable.details == {"why": "unreachable"}
    bad = _ask_code(client, _numero(env, "usager_martin"), "32/13/1990")
    assert bad.status_code == 400 and "Date de naissance non reconnue" in bad.text


def test_codes_sent_to_one_usager_are_limited_per_hour(env: ConsoleEnv, inbox: Inbox) -> None:
    since = _mark(env)
    client = env.client()
    numero = _numero(env, "usager_martin")
    for _ in range(4):
        assert SENT in _ask_code(client, numero).text
    assert len(inbox.drain()) == env.settings.portal.otp_per_hour == 3
    [limited] = _events(env, "portal.otp_refused", "usager_martin", since)
    assert limited.details == {"why": "rate"}
    with env.services.sessions.begin() as session:  # an hour later
        session.execute(update(UsagerOtp).values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61)))
    assert SENT in _ask_code(client, numero).text
    assert len(inbox.drain()) == 1


def test_a_failed_delivery_is_journaled_not_shown(env: ConsoleEnv, gateway: SmsGateway) -> None:
    since = _mark(env)
    gateway.status = 500
    page = _ask_code(env.client(), _numero(env, "usager_a"))
    assert page.status_code == 200 and SENT in page.text and "Traceback" not in page.text
    assert len(gateway.drain()) == 1
    [failed] = _events(env, "portal.otp_failed", "usager_a", since)
    assert failed.details["channel"] == "sms" and failed.details["why"] == "notify.sms_failed (HTTP 500)"


# -- lockout -------------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_for_an_hour(env: ConsoleEnv) -> None:
    env.usager_client("usager_a")  # an activated account
    since = _mark(env)
    numero = _numero(env, "usager_a")
    client = env.client()
    for _ in range(4):
        refused = _log_in(client, numero, "mauvais mot de passe")
        assert refused.status_code == 400 and "Numéro ou mot de passe incorrect." in refused.text
    locked = _log_in(client, numero, "mauvais mot de passe")
    assert locked.status_code == 400 and "bloqué pendant une heure" in locked.text
    still = _log_in(client, numero, PORTAL_PASSWORD)
    assert still.status_code == 400 and "bloqué pendant une heure" in still.text
    unknown = _log_in(client, "99999", PORTAL_PASSWORD)
    assert "Numéro ou mot de passe incorrect." in unknown.text
    with env.services.sessions.begin() as session:
        account = session.scalars(select(UsagerAccount).where(UsagerAccount.usager_id == env.ids["usager_a"])).one()
        left = account.locked_until - dt.datetime.now(dt.UTC)  # type: ignore[operator]
        assert dt.timedelta(minutes=59) < left <= dt.timedelta(minutes=60)
        account.locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=-1)  # the hour has passed
    assert _log_in(client, numero, PORTAL_PASSWORD).status_code == 303
    actions = [e.action for e in _events(env, "portal.", "usager_a", since)]
    assert actions == [*["portal.login_failed"] * 5, "portal.locked", "portal.login_locked"]


def test_wrong_codes_count_towards_the_lockout_too(env: ConsoleEnv, inbox: Inbox) -> None:
    env.usager_client("usager_martin")
    numero = _numero(env, "usager_martin")
    client = env.client()
    for _ in range(3):
        assert _log_in(client, numero, "mauvais mot de passe").status_code == 400
    code = _otp_by_email(env, inbox, "usager_martin")
    wrong = str((int(code) + 1) % 10**6).zfill(6)
    assert "Code incorrect" in _use_code(client, numero, wrong).text
    assert "bloqué pendant une heure" in _use_code(client, numero, wrong).text
    assert "bloqué pendant une heure" in _use_code(client, numero, code).text  # even the right code
    assert SENT in _ask_code(client, numero).text and inbox.drain() == []  # no new code while locked
    assert "bloqué" in _log_in(client, numero, PORTAL_PASSWORD).text


# -- sessions, CSRF, roles -----------------------------------------------------------------------------


def test_portal_and_console_sessions_do_not_open_each_other(env: ConsoleEnv) -> None:
    agent = env.client(Role.ADMIN)
    assert agent.get("/portail", headers=HTML).headers["location"] == "/portail/connexion?next=/portail"
    assert agent.get("/portail").status_code == 401
    assert agent.get(f"/portail/documents/{env.ids['attestation_a']}").status_code == 401
    usager = env.usager_client("usager_a")
    assert usager.get("/courrier", headers=HTML).headers["location"] == "/login?next=/courrier"
    assert usager.get(f"/documents/{env.ids['attestation_a']}").status_code == 401
    # Even sent on every path, the portal's cookie opens nothing in the console.
    cookie = usager.cookies.get("coffre_portail")
    console = TestClient(env.app, follow_redirects=False, cookies={"coffre_session": cookie or ""})
    assert console.get("/courrier").status_code == 401


def test_writes_need_the_session_csrf_token_and_log_in_forms_theirs(env: ConsoleEnv) -> None:
    usager = env.usager_client("usager_a")
    token = usager.headers.pop("X-CSRF-Token")
    assert usager.post("/portail/deconnexion").status_code == 403
    assert usager.post("/portail/deconnexion", data={"csrf_token": "x" * 43}).status_code == 403
    assert usager.get("/portail").status_code == 200
    assert usager.post("/portail/deconnexion", data={"csrf_token": token}).status_code == 303
    assert usager.get("/portail").status_code == 401
    client = env.client()
    client.get("/portail/connexion")
    forged = client.post(
        "/portail/connexion", data={"numero": _numero(env, "usager_a"), "password": PORTAL_PASSWORD, "csrf_token": "f"}
    )
    assert forged.status_code == 400 and "coffre_portail=" not in forged.headers.get("set-cookie", "")


def test_cookies_are_secure_behind_tls_and_the_token_is_stored_hashed(env: ConsoleEnv) -> None:
    env.usager_client("usager_a")
    tls = TestClient(env.app, base_url="https://testserver", follow_redirects=False)
    page = tls.get("/portail/connexion")
    assert "Secure" in page.headers["set-cookie"] and "Path=/portail" in page.headers["set-cookie"]
    done = _log_in(tls, _numero(env, "usager_a"), PORTAL_PASSWORD)
    cookie = done.headers["set-cookie"]
    assert done.status_code == 303 and "coffre_portail=" in cookie and "Secure" in cookie
    token = cookie.split("coffre_portail=")[1].split(";")[0]
    with env.services.sessions() as session:
        stored = session.scalars(select(UsagerSession.token_hash)).all()
    assert token not in stored and hashlib.sha256(token.encode()).hexdigest() in stored


def test_an_idle_session_ends(env: ConsoleEnv) -> None:
    usager = env.usager_client("usager_a")
    with env.services.sessions.begin() as session:
        session.execute(update(UsagerSession).values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)))
    assert usager.get("/portail", headers=HTML).status_code == 303
    with env.services.sessions() as session:
        assert session.scalars(select(UsagerSession.ended_at)).one() is not None


def test_log_in_redirects_only_within_the_portal(env: ConsoleEnv) -> None:
    env.usager_client("usager_a")
    numero = _numero(env, "usager_a")
    for target, expected in (("/portail", "/portail"), ("/courrier", "/portail"), ("//evil.example", "/portail")):
        client = env.client()
        token = _token(client, "/portail/connexion")
        form = {"numero": numero, "password": PORTAL_PASSWORD, "csrf_token": token, "next": target}
        assert client.post("/portail/connexion", data=form).headers["location"] == expected


# -- documents and cross-usager access -----------------------------------------------------------------


def test_document_download_streams_from_the_coffre_fort_and_is_journaled(env: ConsoleEnv) -> None:
    usager = env.usager_client("usager_a")
    a = env.ids["usager_a"]
    for name in ("attestation_a", "document_a"):
        response = usager.get(f"/portail/documents/{env.ids[name]}")
        assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == f'attachment; filename="document-{env.ids[name]}.pdf"'
        assert response.headers["cache-control"] == "no-store"
        with env.services.sessions() as session:
            document = session.get(Document, env.ids[name])
        assert document is not None and document.usager_id == a
        assert response.content.startswith(b"%PDF") and hashlib.sha256(response.content).hexdigest() == document.sha256
        with env.services.sessions() as session:
            read = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "vault.read", AuditEvent.target == f"object:{document.storage_key}")
                .order_by(AuditEvent.id.desc())
            ).first()
        assert read is not None and read.actor == f"usager:{a}"
        assert read.details == {"reason": f"consultation par l'usager sur le portail (document {env.ids[name]})"}


def test_a_usager_reaches_no_other_usager_s_mail_or_documents_by_any_id(env: ConsoleEnv) -> None:
    """A tries B's documents and envelope scan, Martin's, a review scan, another structure's, every id there is."""
    usager = env.usager_client("usager_a")
    a = env.ids["usager_a"]
    with env.services.sessions() as session:
        everyone_else = session.scalars(select(Document.id).where(Document.usager_id.is_distinct_from(a))).all()
        reads_before = session.query(AuditEvent).filter(AuditEvent.actor == f"usager:{a}").count()
    named = [env.ids[k] for k in ("document_b", "scan_b", "document", "scan_review")] + [env.other["portal_document"]]
    assert set(named) <= set(everyone_else)
    for document_id in [*everyone_else, 999999, 2**31 - 1]:
        response = usager.get(f"/portail/documents/{document_id}", headers=HTML)
        assert response.status_code == 404 and "Document introuvable." in response.text, document_id
    for bad in ("0", "-1", "abc", str(2**31), "1.0"):
        assert usager.get(f"/portail/documents/{bad}").status_code in (404, 422)
    home = usager.get("/portail", headers=HTML).text
    assert "Tribunal judiciaire" not in home and "Pièce d&#39;identité" not in home  # B's mail and documents
    for document_id in everyone_else:
        assert f'/portail/documents/{document_id}"' not in home
    with env.services.sessions() as session:
        assert session.query(AuditEvent).filter(AuditEvent.actor == f"usager:{a}").count() == reads_before
    b = env.usager_client("usager_b")
    assert b.get(f"/portail/documents/{env.ids['scan_b']}").status_code == 200  # B's own envelope scan
    assert b.get(f"/portail/documents/{env.ids['attestation_a']}").status_code == 404


# -- the rest ------------------------------------------------------------------------------------------


def test_the_domiciliation_end_date_and_renewal_as_time_passes(env: ConsoleEnv) -> None:
    with env.services.sessions() as session:
        fin = session.scalars(select(Domiciliation.fin).where(Domiciliation.usager_id == env.ids["usager_a"])).one()
        assert fin is not None
        state = [
            domiciliation_state(session, env.ids["usager_a"], fin - dt.timedelta(days=days)).state
            for days in (200, 62, 61, 0, -1)
        ]
        waiting = domiciliation_state(session, env.ids["usager_camara"], fin).state
        nothing = domiciliation_state(session, env.ids["usager_b"], fin).state
    assert state == ["valide", "valide", "a_renouveler", "a_renouveler", "expiree"]
    assert (waiting, nothing) == ("en_cours", "aucune")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("04/05/1990", dt.date(1990, 5, 4)),
        ("4/5/1990", dt.date(1990, 5, 4)),
        ("04.05.1990", dt.date(1990, 5, 4)),
        ("04051990", dt.date(1990, 5, 4)),
        ("1990-05-04", dt.date(1990, 5, 4)),
        (" 04-05-1990 ", dt.date(1990, 5, 4)),
        ("31/02/1990", None),
        ("1990", None),
        ("", None),
        ("04/05/90", None),
    ],
)
def test_birth_dates_as_people_type_them(text: str, expected: dt.date | None) -> None:
    assert birth_date(text) == expected


def test_no_personal_data_in_logs(
    env: ConsoleEnv, inbox: Inbox, gateway: SmsGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    codes = [_otp_by_email(env, inbox, "usager_martin")]
    _ask_code(env.client(), _numero(env, "usager_a"))
    [(_, body)] = gateway.drain()
    codes.append(_code_in(str(body["text"])))
    client = env.client()
    assert _use_code(client, _numero(env, "usager_a"), codes[1]).status_code == 303
    client.get("/portail")
    client.get(f"/portail/documents/{env.ids['attestation_a']}")
    client.get(f"/portail/documents/{env.ids['document_b']}")
    for _ in range(6):
        _log_in(env.client(), _numero(env, "usager_martin"), "mauvais mot de passe")
    gateway.status = 500
    _ask_code(env.client(), _numero(env, "usager_a"))
    # The test's own SMTP server (mail.log) and HTTP client log what they carry; the application must not.
    ours = [r for r in caplog.records if not r.name.startswith(("httpx", "mail.log", "asyncio"))]
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in ours).casefold()
    assert "not delivered" in text  # the failure did log
    secrets = ["diallo", "aminata", "martin", "jean-pierre", "1990-05-04", "04/05/1990", *codes]
    for contact in CONTACTS.values():
        secrets += [str(v) for k, v in contact.items() if k != "channel"]
    secrets += [s.replace(" ", "") for s in secrets if s.startswith("+")]
    for secret in secrets:
        assert secret.casefold() not in text, secret


def test_home_page_lists_the_waiting_mail_with_date_kind_and_sender(env: ConsoleEnv) -> None:
    home = env.usager_client("usager_b").get("/portail", headers=HTML).text
    with env.services.sessions() as session:
        received = session.get(MailItem, env.ids["mail_b"]).received_at.astimezone(LOCAL_TZ)  # type: ignore[union-attr]
    assert "1 courrier vous attend." in home and "<strong>recommandé</strong>" in home
    assert f"arrivé le {received:%d/%m/%Y} · de : Tribunal judiciaire" in home
    assert f'href="/portail/documents/{env.ids["scan_b"]}"' in home  # the envelope of B's own letter
    assert "Aucune domiciliation en cours." in home and "Pièce d&#39;identité" in home


def test_notify_sends_by_the_usager_s_channel_and_fails_in_french(env: ConsoleEnv, inbox: Inbox, gateway) -> None:  # type: ignore[no-untyped-def]
    with env.services.sessions() as session:
        usager_b, camara = (session.get(Usager, env.ids[k]) for k in ("usager_b", "usager_camara"))
        assert usager_b is not None and camara is not None
        assert notify.send_to_usager(env.settings.notify, usager_b, subject="Objet", text="Bonjour") == Channel.EMAIL
        [message] = inbox.drain()
        assert message["X-Envelope-To"] == CONTACTS["usager_b"]["email"] and message.get_content().strip() == "Bonjour"
        with pytest.raises(notify.NotifyError) as unreachable:
            notify.send_to_usager(env.settings.notify, camara, subject="Objet", text="Bonjour")
        assert str(unreachable.value) == "aucun moyen de joindre cet usager (ni téléphone ni e-mail)"
        closed = env.settings.notify.model_copy(update={"smtp_port": free_port()})  # nobody listens there
        with pytest.raises(notify.NotifyError) as refused:
            notify.send_to_usager(closed, usager_b, subject="Objet", text="Bonjour")
        assert str(refused.value) == "l'e-mail n'a pas pu être envoyé (ConnectionRefusedError)"
    assert gateway.drain() == []
