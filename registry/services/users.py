"""Agents' accounts: creation and password checks (argon2id)."""

from __future__ import annotations

import contextlib
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import record
from ..i18n import CoffreError
from ..models import Role, User

_HASHER = PasswordHasher()  # immutable parameters object, safe to share


MIN_PASSWORD = 10


class UserError(CoffreError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError("user.password_too_short", min=MIN_PASSWORD)
    return _HASHER.hash(password)


def check_password(user: User, password: str) -> bool:
    return verify_hash(user.password_hash, password)


def verify_hash(password_hash: str, password: str) -> bool:
    """Whether `password` matches an argon2id hash (agents' and usagers' passwords alike)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_check(password: str) -> None:
    """Spend the time of a real check (log-in for an unknown username)."""
    with contextlib.suppress(VerificationError, InvalidHashError):
        _HASHER.verify(dummy_hash(), password)


@functools.cache
def dummy_hash() -> str:
    """Made on first use, not at import (≈ 0.15 s that every `coffre` command and worker would pay); the web app
    makes it at start-up, so that even the first unknown log-in costs what a real check costs."""
    return _HASHER.hash("coffre-dummy-password")


def create_user(
    session: Session,
    structure_id: int,
    username: str,
    password: str,
    role: Role,
    *,
    full_name: str = "",
    email: str = "",
    actor: str = "system",
) -> User:
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise UserError("user.exists", username=username)
    user = User(
        structure_id=structure_id,
        username=username,
        full_name=full_name,
        email=email,
        role=role,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    record(session, actor, "user.create", f"user:{user.id}", {"role": role.value})
    return user


def list_users(session: Session, structure_id: int) -> list[User]:
    return list(session.scalars(select(User).where(User.structure_id == structure_id).order_by(User.username)))


def user_in(session: Session, structure_id: int, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.structure_id != structure_id:
        raise UserError("user.not_found", user_id=user_id)
    return user


def update_user(session: Session, user: User, *, role: Role, active: bool, actor: str) -> None:
    """Change an agent's role or (de)activate them; the last active admin cannot be removed."""
    demoted = user.role is Role.ADMIN and (role is not Role.ADMIN or not active)
    if demoted and count_admins(session, user.structure_id) <= 1:
        raise UserError("user.last_admin")
    before = {"role": user.role.value, "active": user.active}
    user.role, user.active = role, active
    record(session, actor, "user.update", f"user:{user.id}", {"role": role.value, "active": active, "before": before})


def reset_password(session: Session, user: User, password: str, *, actor: str) -> None:
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    record(session, actor, "user.password_reset", f"user:{user.id}", {})


def count_admins(session: Session, structure_id: int | None = None) -> int:
    query = select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))
    if structure_id is not None:
        query = query.where(User.structure_id == structure_id)
    return len(session.scalars(query).all())
