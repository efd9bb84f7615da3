"""Validate a signed PDF: every signature and document timestamp, PAdES level, later changes, registry hash."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from enum import StrEnum
from io import BytesIO

from asn1crypto import x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from registry.settings import SignatureLevel

log = logging.getLogger(__name__)

# Changes a later revision may make without calling the earlier signatures into question:
# DSS and archive timestamps (LTA), and further signatures filling their own fields.
_ACCEPTED = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)


class Verdict(StrEnum):
    VALID = "valid"
    INVALID = "invalid"  # broken, altered, revoked, or the file changed in a way the signature forbids
    INDETERMINATE = "indeterminate"  # intact, but trust or revocation status could not be established


@dataclass(frozen=True)
class SignatureReport:
    """One signature or document timestamp of the file."""

    field_name: str
    kind: str  # "signature" | "document_timestamp"
    signer: str
    verdict: Verdict
    intact: bool
    valid: bool
    trusted: bool
    revoked: bool
    level: SignatureLevel | None  # None for document timestamps
    subfilter: str
    signing_time: dt.datetime | None  # /M (claimed by the signer)
    timestamp: dt.datetime | None  # signature timestamp, or the document timestamp's time
    coverage: str
    modification_level: str | None  # what later revisions changed (diff analysis)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class VerificationReport:
    """The whole file: its hash, each signature, and the overall verdict."""

    sha256: str
    signatures: list[SignatureReport]
    verdict: Verdict
    known_to_registry: bool | None = None  # None: no registry consulted
    problems: list[str] = field(default_factory=list)

    @property
    def signed(self) -> bool:
        return any(s.kind == "signature" for s in self.signatures)


class Validator:
    """Validates PDFs against fixed trust anchors (the only roots trusted), fetching OCSP/CRLs if allowed."""

    def __init__(self, trust_roots: list[x509.Certificate], *, allow_fetching: bool = True) -> None:
        self.trust_roots = trust_roots
        self.allow_fetching = allow_fetching

    def validate(self, data: bytes) -> VerificationReport:
        return asyncio.run(self.avalidate(data))

    async def avalidate(self, data: bytes) -> VerificationReport:
        digest = hashlib.sha256(data).hexdigest()
        try:
            reader = PdfFileReader(BytesIO(data), strict=False)
            embedded = list(reader.embedded_signatures)
        except (PdfReadError, ValueError, KeyError) as exc:
            log.info("unreadable PDF submitted for verification: %s", type(exc).__name__)
            return VerificationReport(digest, [], Verdict.INVALID, problems=["unreadable_pdf"])
        if not embedded:
            return VerificationReport(digest, [], Verdict.INVALID, problems=["no_signature"])
        vc = self._context(reader)
        try:
            reports = [await self._one(sig, vc, reader, embedded) for sig in embedded]
        finally:
            await vc.aclose()
        return VerificationReport(digest, reports, _overall(reports))

    def _context(self, reader: PdfFileReader) -> ValidationContext:
        kwargs: dict[str, object] = {
            "trust_roots": self.trust_roots,
            "allow_fetching": self.allow_fetching,
            "revocation_mode": "soft-fail",
            "retroactive_revinfo": True,
        }
        if "/DSS" in reader.root:
            return DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
        return ValidationContext(**kwargs)  # type: ignore[arg-type]

    async def _one(
        self,
        sig: EmbeddedPdfSignature,
        vc: ValidationContext,
        reader: PdfFileReader,
        everything: list[EmbeddedPdfSignature],
    ) -> SignatureReport:
        is_ts = sig.sig_object_type == "/DocTimeStamp"
        problems: list[str] = []
        try:
            if is_ts:
                status = await async_validate_pdf_timestamp(sig, validation_context=vc)
            else:
                status = await async_validate_pdf_signature(sig, signer_validation_context=vc, ts_validation_context=vc)
        except Exception as exc:  # noqa: BLE001 - a malformed signature is a verdict, not a crash
            log.info("signature %s could not be validated: %s", sig.field_name, type(exc).__name__)
            return SignatureReport(
                sig.field_name, "document_timestamp" if is_ts else "signature", "", Verdict.INVALID,
                False, False, False, False, None, str(sig.sig_object.get("/SubFilter", "")), None, None,
                "unknown", None, [f"malformed:{type(exc).__name__}"],
            )  # fmt: skip
        mod = status.modification_level
        coverage = status.coverage
        if not status.intact:
            problems.append("digest_mismatch")
        if not status.valid:
            problems.append("bad_signature")
        if status.revoked:
            problems.append("revoked")
        if not status.trusted:
            problems.append("untrusted")
        if coverage not in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION):
            problems.append("partial_coverage")
        if mod is not None and mod not in _ACCEPTED:
            problems.append(f"modified_after_signing:{mod.name.lower()}")
        if not is_ts and status.docmdp_ok is False:
            problems.append("docmdp_violation")
        ts = None
        if is_ts:
            ts = status.timestamp  # type: ignore[union-attr]
        elif status.timestamp_validity is not None:  # type: ignore[union-attr]
            ts = status.timestamp_validity.timestamp  # type: ignore[union-attr]
            tsv = status.timestamp_validity  # type: ignore[union-attr]
            if not (tsv.intact and tsv.valid):
                problems.append("timestamp_invalid")
            elif not tsv.trusted:
                problems.append("timestamp_untrusted")
        return SignatureReport(
            field_name=sig.field_name,
            kind="document_timestamp" if is_ts else "signature",
            signer=status.signing_cert.subject.human_friendly,
            verdict=_verdict(problems),
            intact=status.intact,
            valid=status.valid,
            trusted=status.trusted,
            revoked=status.revoked,
            level=None if is_ts else _level(sig, reader, everything, ts is not None),
            subfilter=str(sig.sig_object.get("/SubFilter", "")),
            signing_time=None if is_ts else sig.self_reported_timestamp,
            timestamp=ts,
            coverage=coverage.name.lower() if coverage is not None else "unknown",
            modification_level=mod.name.lower() if mod is not None else None,
            problems=problems,
        )


def _level(
    sig: EmbeddedPdfSignature, reader: PdfFileReader, everything: list[EmbeddedPdfSignature], has_ts: bool
) -> SignatureLevel:
    """The PAdES baseline level the file reaches for this signature (structure, not trust)."""
    if not has_ts:
        return SignatureLevel.B_B
    later_ts = [
        s for s in everything if s.sig_object_type == "/DocTimeStamp" and s.signed_revision > sig.signed_revision
    ]
    has_dss = _dss_after(reader, sig.signed_revision)
    if not has_dss:
        return SignatureLevel.B_T
    return SignatureLevel.B_LTA if later_ts else SignatureLevel.B_LT


def _dss_after(reader: PdfFileReader, revision: int) -> bool:
    """Whether the file carries a DSS with revocation data, added after `revision`."""
    if "/DSS" not in reader.root:
        return False
    dss = reader.root["/DSS"]
    has_revinfo = any(key in dss and len(dss[key]) > 0 for key in ("/OCSPs", "/CRLs"))
    return has_revinfo and reader.xrefs.total_revisions - 1 > revision


def _verdict(problems: list[str]) -> Verdict:
    hard = {"digest_mismatch", "bad_signature", "revoked", "partial_coverage", "docmdp_violation", "timestamp_invalid"}
    if any(p in hard or p.startswith(("modified_after_signing", "malformed")) for p in problems):
        return Verdict.INVALID
    if problems:
        return Verdict.INDETERMINATE
    return Verdict.VALID


def _overall(reports: list[SignatureReport]) -> Verdict:
    if any(r.verdict is Verdict.INVALID for r in reports):
        return Verdict.INVALID
    if any(r.verdict is Verdict.INDETERMINATE for r in reports):
        return Verdict.INDETERMINATE
    return Verdict.VALID
