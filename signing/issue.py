"""Issue signed documents: render, seal at the configured level, deposit in the coffre-fort, link a Document."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from archive.records import Receipt
from archive.vault import Vault
from registry import audit
from registry.i18n import CoffreError
from registry.models import Document, Domiciliation, DomiciliationStatus, Structure, Usager
from registry.settings import SigningSettings

from .documents import render
from .documents.orm import attestation_from
from .pades import PadesSigner

log = logging.getLogger(__name__)

ATTESTATION = "attestation"
PDF = "application/pdf"


class IssueError(CoffreError):
    """A document cannot be issued (message from the catalogue)."""


@dataclass(frozen=True)
class Issued:
    """A signed document in the coffre-fort and its register entry."""

    document_id: int
    object_id: int
    sha256: str
    verify_id: str | None
    data: bytes


def new_verify_id() -> str:
    """The public identifier printed in the QR code: random, unguessable, not derived from personal data."""
    return secrets.token_urlsafe(12)


def attestation_key(verify_id: str) -> str:
    """Vault key of an attestation: /verify/<id> finds it (latest version: extended B-LTA) without a new column."""
    return f"attestation/{verify_id}"


def store(
    vault: Vault,
    data: bytes,
    *,
    kind: str,
    title: str,
    usager_id: int | None,
    actor: str,
    key: str | None = None,
    metadata: dict[str, object] | None = None,
    created_by_id: int | None = None,
) -> tuple[Receipt, int]:
    """Deposit a signed PDF and create its Document row; returns (receipt, document id)."""
    receipt = vault.deposit(
        data, kind=kind, actor=actor, usager_id=usager_id, mime_type=PDF, key=key, metadata=metadata,
        filename=f"{kind}.pdf",
    )  # fmt: skip
    with vault.sessions.begin() as session:
        document = Document(
            usager_id=usager_id,
            kind=kind,
            title=title,
            sha256=receipt.sha256,
            size=receipt.size,
            mime_type=PDF,
            storage_key=str(receipt.object_id),
            version_id=receipt.version_id,
            retention_until=receipt.retention_until,
            created_by_id=created_by_id,
        )
        session.add(document)
        session.flush()
        return receipt, document.id


def issue_attestation(
    vault: Vault,
    signer: PadesSigner,
    settings: SigningSettings,
    domiciliation_id: int,
    *,
    actor: str,
    today: dt.date | None = None,
) -> Issued:
    """Seal the attestation of a valid domiciliation and deposit it (organisme's seal, level from settings)."""
    with vault.sessions() as session:
        dom = session.get(Domiciliation, domiciliation_id)
        if dom is None or dom.status is not DomiciliationStatus.VALIDE:
            raise IssueError("signing.not_valid_domiciliation")
        usager = session.get(Usager, dom.usager_id)
        assert usager is not None
        structure = session.get(Structure, usager.structure_id)
        assert structure is not None
        verify_id = new_verify_id()
        document = attestation_from(
            dom,
            usager,
            structure,
            verify_id=verify_id,
            public_base_url=settings.public_base_url,
            issued_on=today or dt.date.today(),
        )
        usager_id = usager.id
    data = signer.sign(render(document), settings.level_for(ATTESTATION))
    receipt, document_id = store(
        vault, data, kind=ATTESTATION, title="Attestation d'élection de domicile", usager_id=usager_id,
        actor=actor, key=attestation_key(verify_id), metadata={"domiciliation_id": domiciliation_id},
    )  # fmt: skip
    level = settings.level_for(ATTESTATION).value
    with vault.sessions.begin() as session:
        audit.record(
            session, actor, "signing.attestation", f"document:{document_id}",
            {"domiciliation": domiciliation_id, "sha256": receipt.sha256, "level": level},
        )  # fmt: skip
    log.info("attestation issued: document %s", document_id)
    return Issued(document_id, receipt.object_id, receipt.sha256, verify_id, data)
