"""Agents' accounts: creation and password checks (argon2id)."""

from __future__ import annotations

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
    try:
        return _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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


def count_admins(session: Session) -> int:
    return len(session.scalars(select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))).all())
