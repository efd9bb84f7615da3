"""Public verification: an uploaded PDF's report, and the /verify/<id> lookup of an attestation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select

from archive.vault import Vault
from registry.models import Domiciliation, DomiciliationStatus, VaultObject

from .issue import attestation_key
from .verify import Validator, Verdict, VerificationReport

log = logging.getLogger(__name__)

_SIGNED_KINDS = ("attestation", "decision")
PUBLIC_ACTOR = "public"


class AttestationState:
    VALID = "valide"  # authentic, domiciliation in force
    EXPIRED = "expiree"  # authentic, past its end date
    REVOKED = "radiee"  # authentic, but the domiciliation ended early (radiation)
    NOT_AUTHENTIC = "non_authentique"  # the stored file no longer validates


@dataclass(frozen=True)
class AttestationLookup:
    """What /verify/<id> may show: nothing the document does not already show."""

    verify_id: str
    state: str  # AttestationState
    authentic: bool  # hash known to the registry and every signature valid
    debut: dt.date | None
    fin: dt.date | None
    organisme: str
    report: VerificationReport


class PublicVerifier:
    """Checks documents for the public pages; journaled vault reads are attributed to `public`."""

    def __init__(self, vault: Vault, validator: Validator, *, today: dt.date | None = None) -> None:
        self.vault = vault
        self.validator = validator
        self._today = today

    def verify_pdf(self, data: bytes) -> VerificationReport:
        """Validate an uploaded PDF and say whether its exact bytes were issued by this registry."""
        report = self.validator.validate(data)
        return dataclasses.replace(report, known_to_registry=self.hash_known(report.sha256))

    def hash_known(self, sha256: str) -> bool:
        with self.vault.sessions() as session:
            found = session.scalar(
                select(VaultObject.id).where(
                    VaultObject.sha256 == sha256, VaultObject.kind.in_(_SIGNED_KINDS), VaultObject.status == "stored"
                )
            )
        return found is not None

    def lookup(self, verify_id: str) -> AttestationLookup | None:
        """The attestation behind a QR code, re-validated from the coffre-fort; None if the id is unknown."""
        if not verify_id or len(verify_id) > 64:
            return None
        receipt = self.vault.find(attestation_key(verify_id), actor=PUBLIC_ACTOR)
        if receipt is None:
            return None
        info = self.vault.object_info(receipt.object_id, actor=PUBLIC_ACTOR)
        data = self.vault.read_bytes(receipt.object_id, actor=PUBLIC_ACTOR, reason="public verification")
        report = dataclasses.replace(self.validator.validate(data), known_to_registry=True)
        meta = info.get("meta") or {}
        dom_id = meta.get("domiciliation_id") if isinstance(meta, dict) else None
        debut = fin = None
        status = None
        with self.vault.sessions() as session:
            dom = session.get(Domiciliation, dom_id) if dom_id else None
            if dom is not None:
                debut, fin, status = dom.debut, dom.fin, dom.status
            organisme = self._organisme(session)
        authentic = report.verdict is Verdict.VALID
        today = self._today or dt.date.today()
        if not authentic:
            state = AttestationState.NOT_AUTHENTIC
        elif status is DomiciliationStatus.RADIE:
            state = AttestationState.REVOKED
        elif fin is not None and fin < today:
            state = AttestationState.EXPIRED
        else:
            state = AttestationState.VALID
        return AttestationLookup(verify_id, state, authentic, debut, fin, organisme, report)

    @staticmethod
    def _organisme(session) -> str:  # type: ignore[no-untyped-def]
        from registry.services.structures import current_structure

        structure = current_structure(session)
        return structure.name if structure else ""
