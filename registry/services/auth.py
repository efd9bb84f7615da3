"""Agents' log-in: password check with lockout, server-side sessions with a CSRF token, log-out."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..audit import record
from ..cards import secret_digest
from ..i18n import CoffreError
from ..models import AgentSession, User, utcnow
from ..settings import ApiSettings
from .users import check_password, dummy_check

log = logging.getLogger(__name__)


class AuthError(CoffreError):
    """Log-in refused; the message never says whether the account exists."""


@dataclass(frozen=True)
class Login:
    token: str  # goes into the cookie; only its hash is stored
    csrf_token: str
    user_id: int


@dataclass(frozen=True)
class Principal:
    """The agent behind a request."""

    user_id: int
    username: str
    full_name: str
    role: str
    structure_id: int
    session_id: int
    csrf_token: str

    @property
    def actor(self) -> str:
        return f"user:{self.user_id}"


def log_in(
    session: Session, username: str, password: str, policy: ApiSettings, *, now: dt.datetime | None = None
) -> Login:
    """Check the password; lock the account after `max_failed_logins` failures in a row."""
    now = now or utcnow()
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        dummy_check(password)  # same cost as a real check: no timing oracle on usernames
        raise AuthError("auth.failed")
    if not user.active:
        raise AuthError("auth.failed")
    if is_locked(user, now):
        record(session, f"user:{user.id}", "auth.login.locked", f"user:{user.id}", {})
        raise AuthError("auth.locked")
    if not check_password(user, password):
        details = count_failure(user, policy.max_failed_logins, policy.lockout_minutes, now)
        record(session, f"user:{user.id}", "auth.login.failed", f"user:{user.id}", details)
        raise AuthError("auth.locked" if "locked_until" in details else "auth.failed")
    user.failed_logins, user.locked_until = 0, None
    token, csrf = new_session_secrets()
    row = AgentSession(
        token_hash=secret_digest(token),
        user_id=user.id,
        csrf_token=csrf,
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(hours=policy.session_max_hours),
    )
    session.add(row)
    session.flush()
    record(session, f"user:{user.id}", "auth.login", f"session:{row.id}", {})
    return Login(token=token, csrf_token=csrf, user_id=user.id)


def resolve(session: Session, token: str, policy: ApiSettings, *, now: dt.datetime | None = None) -> Principal | None:
    """The agent of a live session (and slide its idle deadline), or None."""
    if not token:
        return None
    now = now or utcnow()
    row = session.scalars(select(AgentSession).where(AgentSession.token_hash == secret_digest(token))).first()
    if not session_alive(row, policy.session_idle_minutes, now):
        return None
    assert row is not None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    touch_session(row, now)
    return Principal(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role.value,
        structure_id=user.structure_id,
        session_id=row.id,
        csrf_token=row.csrf_token,
    )


class _Lockable(Protocol):
    failed_logins: int
    locked_until: dt.datetime | None


class _SessionRow(Protocol):
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    ended_at: dt.datetime | None


def is_locked(account: _Lockable, now: dt.datetime) -> bool:
    return account.locked_until is not None and account.locked_until > now


def count_failure(account: _Lockable, max_failures: int, lockout_minutes: int, now: dt.datetime) -> dict[str, object]:
    """One more failure in a row; at `max_failures` the account is locked. Returns the journal's details."""
    account.failed_logins += 1
    details: dict[str, object] = {"failures": account.failed_logins}
    if account.failed_logins >= max_failures:
        account.locked_until = now + dt.timedelta(minutes=lockout_minutes)
        account.failed_logins = 0
        details["locked_until"] = account.locked_until.isoformat()
    return details


def new_session_secrets() -> tuple[str, str]:
    """A session's cookie token (only its digest is stored) and its CSRF token."""
    return secrets.token_urlsafe(32), secrets.token_urlsafe(32)


def session_alive(row: _SessionRow | None, idle_minutes: int, now: dt.datetime) -> bool:
    """Whether a session row is live; a session idle for too long is ended here."""
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return False
    if row.last_seen_at + dt.timedelta(minutes=idle_minutes) <= now:
        row.ended_at = now
        return False
    return True


def touch_session(row: _SessionRow, now: dt.datetime) -> None:
    if (now - row.last_seen_at).total_seconds() > 60:  # one write a minute at most
        row.last_seen_at = now


def log_out(session: Session, principal: Principal) -> None:
    session.execute(update(AgentSession).where(AgentSession.id == principal.session_id).values(ended_at=utcnow()))
    record(session, principal.actor, "auth.logout", f"session:{principal.session_id}", {})


def end_sessions(session: Session, user_id: int) -> None:
    """End every session of an agent (deactivated, role changed, password reset)."""
    session.execute(
        update(AgentSession)
        .where(AgentSession.user_id == user_id, AgentSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
