"""The usagers' portal: accounts, one-time codes, passwords with lockout, sessions.

The design mirrors the agents' log-in (services/auth.py) and shares its helpers: argon2id passwords,
the same cost for unknown accounts, a lock after too many failures in a row (wrong passwords and wrong
codes alike), server-side sessions keeping only the digest of the cookie's token. A one-time code is
random digits, stored as a digest, single use, short-lived; asking for one answers the same whether or
not the numéro and birth date matched, so that nobody can probe who is domiciled here. The journal
never holds a code, a phone number or an e-mail address.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..audit import record
from ..cards import secret_digest
from ..codes import code_digest, new_code
from ..i18n import CoffreError
from ..models import (
    Document,
    Domiciliation,
    DomiciliationStatus,
    MailItem,
    Usager,
    UsagerAccount,
    UsagerOtp,
    UsagerSession,
    utcnow,
)
from ..settings import PortalSettings
from .auth import count_failure, is_locked, new_session_secrets, session_alive, touch_session
from .mail import open_mail
from .structures import current_structure
from .usagers import contact_of, documents_of
from .users import MIN_PASSWORD, dummy_check, hash_password, verify_hash

ACTIVATION, RESET = "activation", "reset"
MAX_NUMERO = 32


class PortalError(CoffreError):
    """A portal step refused; the message never says whether a dossier exists."""


@dataclass(frozen=True)
class IssuedCode:
    """A code to deliver now; `code` lives only in memory until it is sent."""

    usager_id: int
    otp_id: int
    code: str
    purpose: str
    channel: str


@dataclass(frozen=True)
class PortalLogin:
    token: str  # goes into the cookie; only its digest is stored
    csrf_token: str
    usager_id: int


@dataclass(frozen=True)
class UsagerPrincipal:
    """The usager behind a portal request."""

    usager_id: int
    structure_id: int
    session_id: int
    csrf_token: str
    role: str = "usager"

    @property
    def actor(self) -> str:
        return f"usager:{self.usager_id}"


def _journal(session: Session, usager_id: int, action: str, details: dict[str, object]) -> None:
    """An event about a usager, by that usager (ids and outcomes only: no personal data)."""
    record(session, f"usager:{usager_id}", action, f"usager:{usager_id}", details)


def find_usager(session: Session, numero: str) -> Usager | None:
    """The usager of this installation's structure holding `numero` (the portal serves one structure)."""
    numero = numero.strip()
    if not numero or len(numero) > MAX_NUMERO or not numero.isprintable():
        return None
    structure = current_structure(session)
    if structure is None:
        return None
    return session.scalars(select(Usager).where(Usager.structure_id == structure.id, Usager.numero == numero)).first()


def account_of(session: Session, usager_id: int) -> UsagerAccount:
    account = session.scalars(select(UsagerAccount).where(UsagerAccount.usager_id == usager_id)).first()
    if account is None:
        account = UsagerAccount(usager_id=usager_id, failed_logins=0)
        session.add(account)
        session.flush()
    return account


def _code_digest(usager_id: int, code: str) -> str:
    return code_digest(str(usager_id), code)  # owner without prefix: the digests of codes already issued stay valid


def request_code(
    session: Session,
    numero: str,
    date_naissance: dt.date | None,
    policy: PortalSettings,
    *,
    now: dt.datetime | None = None,
) -> IssuedCode | None:
    """A new one-time code if the numéro and birth date match a reachable, unlocked usager under the limit.

    None otherwise; the caller answers the same either way. The code goes by the usager's channel.
    """
    now = now or utcnow()
    usager = find_usager(session, numero)
    if usager is None or date_naissance is None or usager.date_naissance != date_naissance:
        return None
    contact = contact_of(usager)
    if contact is None:  # no phone, no e-mail: only the accueil can help
        _journal(session, usager.id, "portal.otp_refused", {"why": "unreachable"})
        return None
    channel = contact[0].value
    account = account_of(session, usager.id)
    if is_locked(account, now):
        _journal(session, usager.id, "portal.otp_refused", {"why": "locked"})
        return None
    recent = session.scalar(
        select(func.count(UsagerOtp.id)).where(
            UsagerOtp.usager_id == usager.id, UsagerOtp.created_at > now - dt.timedelta(hours=1)
        )
    )
    if (recent or 0) >= policy.otp_per_hour:
        _journal(session, usager.id, "portal.otp_refused", {"why": "rate"})
        return None
    # A new code replaces the ones not used yet.
    session.execute(
        update(UsagerOtp).where(UsagerOtp.usager_id == usager.id, UsagerOtp.used_at.is_(None)).values(used_at=now)
    )
    code = new_code(policy.otp_length)
    purpose = RESET if account.password_hash else ACTIVATION
    otp = UsagerOtp(
        usager_id=usager.id,
        code_hash=_code_digest(usager.id, code),
        channel=channel,
        purpose=purpose,
        attempts=0,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=policy.otp_minutes),
    )
    session.add(otp)
    session.flush()
    _journal(session, usager.id, "portal.otp_issued", {"channel": channel, "purpose": purpose})
    return IssuedCode(usager_id=usager.id, otp_id=otp.id, code=code, purpose=purpose, channel=channel)


def record_delivery(session: Session, issued: IssuedCode, problem: str | None) -> None:
    """Journal whether a code left (`problem` is an error type or key, never an address)."""
    details: dict[str, object] = {"channel": issued.channel, "otp": issued.otp_id}
    if problem is None:
        _journal(session, issued.usager_id, "portal.otp_sent", details)
    else:
        _journal(session, issued.usager_id, "portal.otp_failed", {**details, "why": problem})


def check_new_password(password: str, confirm: str) -> None:
    if not hmac.compare_digest(password.encode(), confirm.encode()):
        raise PortalError("portal.password_mismatch")
    if len(password) < MIN_PASSWORD:
        raise PortalError("portal.password_too_short", min=MIN_PASSWORD)


def _refuse(session: Session, account: UsagerAccount, action: str, policy: PortalSettings, now: dt.datetime) -> str:
    """Count one failure (password or code); the message key to show."""
    details = count_failure(account, policy.max_failed_logins, policy.lockout_minutes, now)
    _journal(session, account.usager_id, action, details)
    if "locked_until" in details:
        _journal(session, account.usager_id, "portal.locked", {})
        return "portal.locked"
    return "portal.code_failed" if action == "portal.code_failed" else "portal.login_failed"


def activate(
    session: Session,
    numero: str,
    code: str,
    password: str,
    confirm: str,
    policy: PortalSettings,
    *,
    now: dt.datetime | None = None,
) -> PortalLogin:
    """Check a one-time code, set the password and open a session (first log-in or forgotten password)."""
    now = now or utcnow()
    check_new_password(password, confirm)  # before anything else: no failure counted, no oracle
    usager = find_usager(session, numero)
    if usager is None:  # as fast as a wrong code for a known numéro: the password is hashed only on success
        raise PortalError("portal.code_failed")
    account = account_of(session, usager.id)
    if is_locked(account, now):
        _journal(session, usager.id, "portal.login_locked", {})
        raise PortalError("portal.locked")
    otp = session.scalars(
        select(UsagerOtp)
        .where(UsagerOtp.usager_id == usager.id, UsagerOtp.used_at.is_(None), UsagerOtp.expires_at > now)
        .order_by(UsagerOtp.id.desc())
    ).first()
    if otp is None or not hmac.compare_digest(otp.code_hash, _code_digest(usager.id, code.strip())):
        if otp is not None:
            otp.attempts += 1
            if otp.attempts >= policy.max_failed_logins:
                otp.used_at = now  # spent: a new one must be asked for
        raise PortalError(_refuse(session, account, "portal.code_failed", policy, now))
    otp.used_at = now
    account.password_hash = hash_password(password)
    account.failed_logins, account.locked_until = 0, None
    first = account.activated_at is None
    account.activated_at = account.activated_at or now
    end_usager_sessions(session, usager.id, now)
    _journal(session, usager.id, "portal.activated" if first else "portal.password_reset", {"otp": otp.id})
    return _open_session(session, account, policy, now)


def log_in(
    session: Session, numero: str, password: str, policy: PortalSettings, *, now: dt.datetime | None = None
) -> PortalLogin:
    """Check a usager's password; lock the account for an hour after five failures in a row."""
    now = now or utcnow()
    usager = find_usager(session, numero)
    account = (
        session.scalars(select(UsagerAccount).where(UsagerAccount.usager_id == usager.id)).first() if usager else None
    )
    if account is None or account.password_hash is None:
        dummy_check(password)  # same cost as a real check: no timing oracle on numéros
        raise PortalError("portal.login_failed")
    if is_locked(account, now):
        _journal(session, account.usager_id, "portal.login_locked", {})
        raise PortalError("portal.locked")
    if not verify_hash(account.password_hash, password):
        raise PortalError(_refuse(session, account, "portal.login_failed", policy, now))
    account.failed_logins, account.locked_until = 0, None
    return _open_session(session, account, policy, now)


def _open_session(session: Session, account: UsagerAccount, policy: PortalSettings, now: dt.datetime) -> PortalLogin:
    token, csrf = new_session_secrets()
    row = UsagerSession(
        token_hash=secret_digest(token),
        usager_id=account.usager_id,
        csrf_token=csrf,
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(hours=policy.session_max_hours),
    )
    session.add(row)
    account.last_login_at = now
    session.flush()
    record(session, f"usager:{account.usager_id}", "portal.login", f"usager_session:{row.id}", {})
    return PortalLogin(token=token, csrf_token=csrf, usager_id=account.usager_id)


def resolve(
    session: Session, token: str, policy: PortalSettings, *, now: dt.datetime | None = None
) -> UsagerPrincipal | None:
    """The usager of a live portal session (and slide its idle deadline), or None."""
    if not token:
        return None
    now = now or utcnow()
    row = session.scalars(select(UsagerSession).where(UsagerSession.token_hash == secret_digest(token))).first()
    if not session_alive(row, policy.session_idle_minutes, now):
        return None
    assert row is not None
    usager = session.get(Usager, row.usager_id)
    if usager is None:
        return None
    touch_session(row, now)
    return UsagerPrincipal(
        usager_id=usager.id, structure_id=usager.structure_id, session_id=row.id, csrf_token=row.csrf_token
    )


def log_out(session: Session, principal: UsagerPrincipal) -> None:
    session.execute(update(UsagerSession).where(UsagerSession.id == principal.session_id).values(ended_at=utcnow()))
    record(session, principal.actor, "portal.logout", f"usager_session:{principal.session_id}", {})


def end_usager_sessions(session: Session, usager_id: int, now: dt.datetime | None = None) -> None:
    """End every portal session of a usager (password set again)."""
    session.execute(
        update(UsagerSession)
        .where(UsagerSession.usager_id == usager_id, UsagerSession.ended_at.is_(None))
        .values(ended_at=now or utcnow())
    )


# -- what the usager sees ----------------------------------------------------------------------------

RENEWAL_WINDOW_DAYS = 61  # "within the 2 months before the end date"
HIDDEN_KINDS = frozenset({"enveloppe", "scan_brut"})  # envelope scans are reached from their mail item


@dataclass(frozen=True)
class DomiciliationState:
    """The usager's domiciliation as the portal tells it: a state key and its dates."""

    state: str  # valide | a_renouveler | expiree | en_cours | refusee | radiee | aucune
    fin: dt.date | None = None
    renew_from: dt.date | None = None


@dataclass(frozen=True)
class Overview:
    prenoms: str
    numero: str
    mail: list[MailItem]
    domiciliation: DomiciliationState
    attestation: Document | None
    documents: list[Document]


def domiciliation_state(session: Session, usager_id: int, today: dt.date) -> DomiciliationState:
    rows = list(
        session.scalars(select(Domiciliation).where(Domiciliation.usager_id == usager_id).order_by(Domiciliation.id))
    )
    if not rows:
        return DomiciliationState("aucune")
    pending = any(d.status in (DomiciliationStatus.INSTRUCTION, DomiciliationStatus.ATTENTE_DECISION) for d in rows)
    valid = [d for d in rows if d.status is DomiciliationStatus.VALIDE and d.fin is not None]
    current = max(valid, key=lambda d: d.fin or today) if valid else None
    if current is not None and current.fin is not None and current.fin >= today:
        renew_from = current.fin - dt.timedelta(days=RENEWAL_WINDOW_DAYS)
        if pending:
            return DomiciliationState("en_cours", current.fin, renew_from)
        return DomiciliationState("a_renouveler" if today >= renew_from else "valide", current.fin, renew_from)
    if pending:
        return DomiciliationState("en_cours")
    last = rows[-1]
    if last.status is DomiciliationStatus.RADIE:
        return DomiciliationState("radiee", last.fin)
    if last.status is DomiciliationStatus.REFUS:
        return DomiciliationState("refusee")
    if current is not None:
        return DomiciliationState("expiree", current.fin)
    return DomiciliationState("aucune")


def overview(session: Session, usager_id: int, today: dt.date) -> Overview:
    usager = session.get(Usager, usager_id)
    assert usager is not None
    documents = [d for d in documents_of(session, usager_id, limit=100) if d.kind not in HIDDEN_KINDS]
    attestation = next((d for d in documents if d.kind == "attestation"), None)
    return Overview(
        prenoms=usager.prenoms,
        numero=usager.numero,
        mail=open_mail(session, usager_id),
        domiciliation=domiciliation_state(session, usager_id, today),
        attestation=attestation,
        documents=[d for d in documents if d is not attestation],
    )


def own_document(session: Session, usager_id: int, document_id: int) -> Document:
    """A document of this usager (their coffre-fort, or the scan of their own mail); anything else is not found."""
    document = session.get(Document, document_id)
    if document is None or document.usager_id is None or document.usager_id != usager_id:
        raise PortalError("portal.document_not_found")
    return document
