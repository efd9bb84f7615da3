"""One-time codes e-mailed to an agent before a sensitive action (a statistics export, as DomiFa asks)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..audit import record
from ..codes import code_digest, code_matches, new_code
from ..i18n import CoffreError
from ..models import AgentCode, User
from ..settings import LifecycleSettings

EXPORT = "export_stats"
CODE_LENGTH = 6
PER_HOUR = 5


class AgentCodeError(CoffreError):
    pass


def issue(session: Session, user: User, purpose: str, policy: LifecycleSettings, now: dt.datetime) -> str:
    """A new code for `user` (the previous unused ones are spent); it lives only in memory until e-mailed."""
    if not (user.email or "").strip():
        raise AgentCodeError("agent_code.no_email")
    recent = session.scalar(
        select(func.count(AgentCode.id)).where(
            AgentCode.user_id == user.id, AgentCode.created_at > now - dt.timedelta(hours=1)
        )
    )
    if (recent or 0) >= PER_HOUR:
        raise AgentCodeError("agent_code.rate")
    session.execute(
        update(AgentCode)
        .where(AgentCode.user_id == user.id, AgentCode.purpose == purpose, AgentCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = new_code(CODE_LENGTH)
    row = AgentCode(
        user_id=user.id, purpose=purpose, code_hash=code_digest(f"user:{user.id}", code), attempts=0,
        created_at=now, expires_at=now + dt.timedelta(minutes=policy.export_code_minutes),
    )  # fmt: skip
    session.add(row)
    session.flush()
    record(session, f"user:{user.id}", "agent_code.issued", f"user:{user.id}", {"purpose": purpose, "code": row.id})
    return code


def spend(session: Session, user_id: int, purpose: str, code: str, policy: LifecycleSettings, now: dt.datetime) -> None:
    """Check and use up a code; a wrong one counts, and too many wrong tries spend it."""
    row = session.scalars(
        select(AgentCode)
        .where(
            AgentCode.user_id == user_id,
            AgentCode.purpose == purpose,
            AgentCode.used_at.is_(None),
            AgentCode.expires_at > now,
        )
        .order_by(AgentCode.id.desc())
    ).first()
    if row is None or not code_matches(row.code_hash, f"user:{user_id}", code):
        if row is not None:
            row.attempts += 1
            if row.attempts >= policy.export_code_attempts:
                row.used_at = now
        record(session, f"user:{user_id}", "agent_code.refused", f"user:{user_id}", {"purpose": purpose})
        raise AgentCodeError("agent_code.wrong")
    row.used_at = now
