"""PAdES baseline signatures (B-B, B-T, B-LT, B-LTA) with pyHanko, the key kept loaded and a fixed container size."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from asn1crypto import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import Signer
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator import ValidationContext

from registry.i18n import CoffreError
from registry.settings import SignatureLevel, SigningSettings

from .appearance import stamp_style
from .keys import load_signer, trust_roots_of
from .tsa import http_timestamper

log = logging.getLogger(__name__)

_ORDER = [SignatureLevel.B_B, SignatureLevel.B_T, SignatureLevel.B_LT, SignatureLevel.B_LTA]


def at_least(level: SignatureLevel, floor: SignatureLevel) -> bool:
    return _ORDER.index(level) >= _ORDER.index(floor)


class SigningFailed(CoffreError):
    """Signing could not be completed (message from the catalogue)."""


@dataclass(frozen=True)
class Appearance:
    """A visible signature: who signs, in which capacity, where on the page (points from bottom-left)."""

    name: str
    role: str
    box: tuple[int, int, int, int]
    page: int = -1  # -1: last page


class PadesSigner:
    """Signs PDFs at a given PAdES level with one key, kept loaded across signatures.

    Not thread-safe: use one instance per worker thread.
    """

    def __init__(
        self,
        signer: Signer,
        *,
        trust_roots: list[x509.Certificate],
        timestamper: TimeStamper | None = None,
        bytes_reserved: int = 16384,
        revinfo_cache_seconds: float = 300.0,
        location: str | None = None,
    ) -> None:
        self.signer = signer
        self.trust_roots = trust_roots
        self.timestamper = timestamper
        self.bytes_reserved = bytes_reserved
        self.revinfo_cache_seconds = revinfo_cache_seconds
        self.location = location
        self._vc: ValidationContext | None = None
        self._vc_at = 0.0
        # One event loop for the signer's lifetime: HTTP sessions (TSA, OCSP, CRL) and fetched
        # revocation data survive between signatures instead of being rebuilt by each asyncio.run().
        self._loop = asyncio.new_event_loop()

    def close(self) -> None:
        """Release HTTP sessions and the event loop."""
        if self._loop.is_closed():
            return
        if self._vc is not None:
            self._loop.run_until_complete(self._vc.aclose())
        close = getattr(getattr(self.timestamper, "_session", None), "close", None)
        if close is not None:
            self._loop.run_until_complete(close())
        self._loop.close()
        token_session = getattr(self.signer, "pkcs11_session", None)  # PKCS#11: opened by keys.open_pkcs11
        if token_session is not None:
            token_session.close()

    def __enter__(self) -> PadesSigner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def from_settings(
        cls,
        settings: SigningSettings,
        *,
        default_pkcs12: Path | None = None,
        username: str | None = None,
        timestamper: TimeStamper | None = None,
        location: str | None = None,
    ) -> PadesSigner:
        """The organisme's seal, or the key of commission member `username` when one is configured."""
        key = settings.member_keys.get(username, settings.seal) if username else settings.seal
        signer = load_signer(key, default_pkcs12 if key is settings.seal else None)
        if timestamper is None and settings.tsa_url:
            timestamper = http_timestamper(settings.tsa_url, settings.tsa_timeout_seconds)
        return cls(
            signer,
            trust_roots=trust_roots_of(signer, settings.trust_roots),
            timestamper=timestamper,
            bytes_reserved=settings.bytes_reserved,
            revinfo_cache_seconds=settings.revinfo_cache_seconds,
            location=location,
        )

    @property
    def certificate(self) -> x509.Certificate:
        assert self.signer.signing_cert is not None
        return self.signer.signing_cert

    def validation_context(self) -> ValidationContext:
        """A context trusting only the configured roots, fetching OCSP/CRLs; reused for a while (cache)."""
        now = time.monotonic()
        if self._vc is None or now - self._vc_at > self.revinfo_cache_seconds:
            self._vc = ValidationContext(trust_roots=self.trust_roots, allow_fetching=True, revocation_mode="require")
            self._vc_at = now
        return self._vc

    def sign(
        self,
        pdf: bytes,
        level: SignatureLevel,
        *,
        field_name: str | None = None,
        appearance: Appearance | None = None,
        reason: str | None = None,
        signer_name: str | None = None,
    ) -> bytes:
        """Add one PAdES signature at `level` as an incremental revision; returns the new file."""
        if at_least(level, SignatureLevel.B_T) and self.timestamper is None:
            raise SigningFailed("signing.tsa_missing")
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        name = field_name or _free_field_name(writer.prev)
        lt = at_least(level, SignatureLevel.B_LT)
        meta = signers.PdfSignatureMetadata(
            field_name=name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=lt,
            use_pades_lta=level is SignatureLevel.B_LTA,
            validation_context=self.validation_context() if lt else None,
            reason=reason,
            location=self.location,
            name=signer_name,
        )
        spec = None
        if appearance is not None:
            page = appearance.page if appearance.page >= 0 else _page_count(writer.prev) + appearance.page
            spec = fields.SigFieldSpec(sig_field_name=name, on_page=page, box=appearance.box)
        pdf_signer = signers.PdfSigner(
            meta,
            self.signer,
            timestamper=self.timestamper if at_least(level, SignatureLevel.B_T) else None,
            stamp_style=stamp_style() if appearance is not None else None,
            new_field_spec=spec,
        )
        params = None
        if appearance is not None:
            params = {"signer": appearance.name, "role": appearance.role}
        try:
            out = self._loop.run_until_complete(
                pdf_signer.async_sign_pdf(writer, bytes_reserved=self.bytes_reserved, appearance_text_params=params)
            )
        except SigningError as exc:
            log.warning("signature failed: %s", exc)
            raise SigningFailed("signing.failed", detail=str(exc)) from exc
        return out.getvalue()  # type: ignore[union-attr]

    def add_archive_timestamp(self, pdf: bytes) -> bytes:
        """Renew a B-LTA file: validation data for the last timestamp in the DSS, then a new document timestamp."""
        if self.timestamper is None:
            raise SigningFailed("signing.tsa_missing")
        stamper = signers.PdfTimeStamper(self.timestamper)
        out = BytesIO()
        try:
            self._loop.run_until_complete(
                stamper.async_update_archival_timestamp_chain(
                    PdfFileReader(BytesIO(pdf)), self.validation_context(), in_place=False, output=out
                )
            )
        except SigningError as exc:
            raise SigningFailed("signing.failed", detail=str(exc)) from exc
        return out.getvalue()


def signer_factory(settings: SigningSettings, default_pkcs12: Path | None) -> Callable[[str | None], PadesSigner]:
    """Build (and keep) one PadesSigner per key: the seal, and each commission member with a key of their own."""
    cache: dict[str | None, PadesSigner] = {}

    def get(username: str | None) -> PadesSigner:
        key = username if username in settings.member_keys else None
        if key not in cache:
            cache[key] = PadesSigner.from_settings(settings, default_pkcs12=default_pkcs12, username=key)
        return cache[key]

    return get


def _free_field_name(reader: PdfFileReader) -> str:
    existing = {name for name, _, _ in fields.enumerate_sig_fields(reader)}
    n = len(existing) + 1
    while f"Signature{n}" in existing:
        n += 1
    return f"Signature{n}"


def _page_count(reader: PdfFileReader) -> int:
    return int(reader.root["/Pages"]["/Count"])


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
