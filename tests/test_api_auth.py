"""Agents' log-in: cookie flags, lockout, log-out, idle expiry, deactivation, safe redirects."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update

from registry.audit import verify
from registry.models import AgentSession, AuditEvent, Role, User
from tests.console_env import CSRF, PASSWORD, ConsoleEnv, login, make_console


@pytest.fixture
def env(tmp_path: Path) -> ConsoleEnv:
    return make_console(tmp_path)


def _attempt(client, username: str, password: str, next_url: str = "/"):  # type: ignore[no-untyped-def]
    token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token, "next": next_url}
    )


def test_session_cookie_is_httponly_samesite_and_secure_behind_tls(env: ConsoleEnv) -> None:
    client = env.client()
    done = _attempt(client, "agent-agent", PASSWORD)
    cookie = done.headers["set-cookie"]
    assert done.status_code == 303 and "coffre_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    tls = env.client()
    tls.base_url = "https://testserver"  # type: ignore[assignment]
    secured = _attempt(tls, "agent-agent", PASSWORD)
    assert "Secure" in secured.headers["set-cookie"]
    with env.services.sessions() as session:
        stored = session.scalars(select(AgentSession.token_hash)).all()
    token = cookie.split("coffre_session=")[1].split(";")[0]
    assert token not in stored and all(len(h) == 64 for h in stored)


def test_wrong_passwords_lock_the_account_then_the_right_one_is_refused_too(env: ConsoleEnv) -> None:
    client = env.client()
    for _ in range(4):
        refused = _attempt(client, "agent-agent", "mauvais-mot-de-passe")
        assert refused.status_code == 400 and "identifiant ou mot de passe incorrect" in refused.text
    locked = _attempt(client, "agent-agent", "mauvais-mot-de-passe")
    assert "verrouillé" in locked.text
    still = _attempt(client, "agent-agent", PASSWORD)
    assert still.status_code == 400 and "verrouillé" in still.text
    unknown = _attempt(client, "personne", PASSWORD)
    assert "identifiant ou mot de passe incorrect" in unknown.text  # same answer: no account enumeration
    with env.services.sessions.begin() as session:
        session.execute(update(User).where(User.username == "agent-agent").values(locked_until=None))
    assert _attempt(client, "agent-agent", PASSWORD).status_code == 303
    with env.services.sessions() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("auth.%"))).all()
        assert actions.count("auth.login.failed") == 5 and "auth.login.locked" in actions
        assert verify(session).ok


def test_log_in_needs_the_login_form_token(env: ConsoleEnv) -> None:
    client = env.client()
    client.get("/login")
    forged = client.post("/login", data={"username": "agent-agent", "password": PASSWORD, "csrf_token": "forged"})
    assert forged.status_code == 400 and "coffre_session" not in forged.headers.get("set-cookie", "")


def test_redirect_after_log_in_stays_on_this_site(env: ConsoleEnv) -> None:
    assert env.client().get("/revue", headers={"accept": "text/html"}).headers["location"] == "/login?next=/revue"
    for target, expected in (("/revue", "/revue"), ("//evil.example", "/"), ("https://evil.example", "/")):
        assert _attempt(env.client(), "agent-agent", PASSWORD, target).headers["location"] == expected


def test_log_out_ends_the_session_for_good(env: ConsoleEnv) -> None:
    client = env.client(Role.AGENT)
    cookie = client.cookies.get("coffre_session")
    assert client.post("/logout").status_code == 303
    replay = env.client()
    replay.cookies.set("coffre_session", cookie)  # type: ignore[arg-type]
    assert replay.get("/api/revue").status_code == 401


def test_idle_sessions_expire_and_deactivation_ends_sessions(env: ConsoleEnv) -> None:
    idle, kept = env.client(Role.AGENT), env.client(Role.INSTRUCTEUR)
    with env.services.sessions.begin() as session:
        agent_id = env.ids["user_agent"]
        for row in session.scalars(select(AgentSession).where(AgentSession.user_id == agent_id)):
            row.last_seen_at -= dt.timedelta(hours=3)
    assert idle.get("/api/revue").status_code == 401
    assert kept.get("/api/revue").status_code == 200
    admin = env.client(Role.ADMIN)
    user_id = env.ids["user_instructeur"]
    done = admin.post(f"/admin/agents/{user_id}", data={"role": "instructeur"})  # "active" unticked
    assert done.status_code == 303
    assert kept.get("/api/revue").status_code == 401
    with pytest.raises(AssertionError):
        login(env.client(), "agent-instructeur")


def test_the_last_admin_cannot_lock_everyone_out(env: ConsoleEnv) -> None:
    admin = env.client(Role.ADMIN)
    refused = admin.post(f"/admin/agents/{env.ids['user_admin']}", data={"role": "agent", "active": "true"})
    assert refused.status_code == 400 and "dernier administrateur" in refused.json()["detail"]
