"""Keep B-LTA documents verifiable: add a new archive timestamp before the last one's TSA certificate expires."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import func, select

from archive.vault import Vault
from registry import audit
from registry.models import Document, VaultObject

from .pades import PadesSigner

log = logging.getLogger(__name__)

_KINDS = ("attestation", "decision")


@dataclass
class ExtendResult:
    checked: int = 0
    extended: list[int] = field(default_factory=list)  # new vault object ids
    failed: list[tuple[int, str]] = field(default_factory=list)  # (object id, error)


def last_timestamp_expiry(pdf: bytes) -> dt.datetime | None:
    """When the TSA certificate of the file's last document timestamp expires (None: no document timestamp)."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    stamps = reader.embedded_timestamp_signatures
    if not stamps:
        return None
    last = max(stamps, key=lambda s: s.signed_revision)
    return last.signer_cert["tbs_certificate"]["validity"]["not_after"].native  # type: ignore[no-any-return]


def due(pdf: bytes, horizon: dt.datetime) -> bool:
    expiry = last_timestamp_expiry(pdf)
    return expiry is not None and expiry <= horizon


def extend_due(
    vault: Vault,
    signer: PadesSigner,
    *,
    before_days: int,
    actor: str,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> ExtendResult:
    """Re-timestamp every stored B-LTA document whose last archive timestamp expires within `before_days`.

    The new revision is deposited as a new version under the same key (the previous one stays, WORM), and the
    Document row pointing at the old version is moved to the new one.
    """
    horizon = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(days=before_days)
    result = ExtendResult()
    for object_id in _latest_signed(vault):
        result.checked += 1
        data = vault.read_bytes(object_id, actor=actor, reason="archive timestamp renewal check")
        if not due(data, horizon):
            continue
        if dry_run:
            result.extended.append(object_id)
            continue
        try:
            renewed = signer.add_archive_timestamp(data)
        except Exception as exc:  # noqa: BLE001 - one failure must not stop the others; reported
            log.warning("archive timestamp renewal failed for object %s: %s", object_id, type(exc).__name__)
            result.failed.append((object_id, str(exc)))
            continue
        result.extended.append(_replace(vault, object_id, renewed, actor))
    return result


def _latest_signed(vault: Vault) -> Iterator[int]:
    with vault.sessions() as session:
        latest = (
            select(func.max(VaultObject.id))
            .where(VaultObject.kind.in_(_KINDS), VaultObject.status == "stored", ~VaultObject.key.like("%/draft"))
            .group_by(VaultObject.key)
        )
        ids = sorted(session.scalars(latest))
    yield from ids


def _replace(vault: Vault, object_id: int, data: bytes, actor: str) -> int:
    info = vault.object_info(object_id, actor=actor)
    receipt = vault.deposit(
        data,
        kind=str(info["kind"]),
        actor=actor,
        usager_id=info["usager_id"],  # type: ignore[arg-type]
        metadata=dict(info["meta"] or {}),  # type: ignore[call-overload]
        filename=info["filename"],  # type: ignore[arg-type]
        mime_type="application/pdf",
        key=str(info["key"]),
        retention_until=info["retention_until"],  # type: ignore[arg-type]
    )
    with vault.sessions.begin() as session:
        for document in session.scalars(select(Document).where(Document.storage_key == str(object_id))):
            document.storage_key, document.version_id = str(receipt.object_id), receipt.version_id
            document.sha256, document.size = receipt.sha256, receipt.size
        audit.record(
            session, actor, "signing.extend", f"object:{receipt.object_id}",
            {"previous": object_id, "sha256": receipt.sha256},
        )  # fmt: skip
    return receipt.object_id
