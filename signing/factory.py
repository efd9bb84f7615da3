"""Build the signing objects from the application settings."""

from __future__ import annotations

from registry.settings import Settings

from .keys import load_signer, trust_roots_of
from .pades import PadesSigner, signer_factory
from .tsa import JournalTimestamper
from .verify import Validator


def seal_signer(settings: Settings) -> PadesSigner:
    """The organisme's seal (PKCS#12 or PKCS#11 per settings), with the configured TSA."""
    return PadesSigner.from_settings(
        settings.signing, default_pkcs12=settings.seal_pkcs12_path, location=settings.structure.town
    )


def member_signers(settings: Settings):  # type: ignore[no-untyped-def]
    """username → PadesSigner (members with their own key, the seal for the others)."""
    return signer_factory(settings.signing, settings.seal_pkcs12_path)


def validator(settings: Settings, *, allow_fetching: bool = True) -> Validator:
    """A validator trusting only the configured roots (or the roots of the seal's own chain)."""
    if settings.signing.trust_roots:
        return Validator(trust_roots_of(None, settings.signing.trust_roots), allow_fetching=allow_fetching)  # type: ignore[arg-type]
    signer = load_signer(settings.signing.seal, settings.seal_pkcs12_path)
    return Validator(trust_roots_of(signer, []), allow_fetching=allow_fetching)


def journal_timestamper(settings: Settings) -> JournalTimestamper | None:
    """The RFC 3161 hook for archive.seal (None when no TSA is configured)."""
    if not settings.signing.tsa_url:
        return None
    return JournalTimestamper.from_url(settings.signing.tsa_url, settings.signing.tsa_timeout_seconds)
