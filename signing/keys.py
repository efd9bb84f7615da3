"""Signing keys: a PKCS#12 file kept loaded in memory, or a key on a PKCS#11 token (HSM, SoftHSM2)."""

from __future__ import annotations

import logging
from pathlib import Path

from asn1crypto import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys import load_certs_from_pemder
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from registry.i18n import CoffreError
from registry.settings import KeySettings, KeySource

log = logging.getLogger(__name__)


class SigningKeyError(CoffreError):
    """A signing key that cannot be loaded (message from the catalogue)."""


class KeptKeySigner(SimpleSigner):
    """A SimpleSigner that parses its RSA key once instead of on every signature.

    pyHanko's SimpleSigner re-imports the DER key (with cryptography's costly RSA consistency check,
    ~54 ms here) each time it signs; this keeps the loaded key object.
    """

    def __init__(self, key: RSAPrivateKey, cert: x509.Certificate, chain: list[x509.Certificate]) -> None:
        from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1

        store = SimpleCertificateStore()
        store.register_multiple(chain)
        super().__init__(
            signing_cert=cert, signing_key=translate_pyca_cryptography_key_to_asn1(key), cert_registry=store
        )
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


def load_pkcs12(path: Path, passphrase: bytes | None, extra_chain: list[x509.Certificate] | None = None) -> Signer:
    """A signer from a PKCS#12 file (key, certificate, chain)."""
    try:
        key, cert, others = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase or None)
    except (OSError, ValueError) as exc:
        raise SigningKeyError("signing.key_unreadable", source=path.name) from exc
    if not isinstance(key, RSAPrivateKey) or cert is None:
        raise SigningKeyError("signing.key_unsupported", source=path.name)
    chain = [_asn1(c) for c in others] + list(extra_chain or [])
    return KeptKeySigner(key, _asn1(cert), chain)


def open_pkcs11(config: KeySettings, extra_chain: list[x509.Certificate] | None = None) -> Signer:
    """A signer whose key stays on a PKCS#11 token; the session is opened once and kept."""
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    try:
        session = open_pkcs11_session(
            config.pkcs11_module,
            token_criteria=TokenCriteria(label=config.pkcs11_token),
            user_pin=config.pkcs11_pin.get_secret_value(),
        )
    except Exception as exc:  # python-pkcs11 raises many unrelated types
        raise SigningKeyError("signing.token_unavailable", source=config.pkcs11_token) from exc
    return PKCS11Signer(
        session,
        cert_label=config.pkcs11_cert_label or config.pkcs11_key_label,
        key_label=config.pkcs11_key_label,
        ca_chain=extra_chain or [],
    )


def load_signer(config: KeySettings, default_pkcs12: Path | None = None) -> Signer:
    """The signer described by `config` (PKCS#12 by default, PKCS#11 as an option)."""
    chain = _chain(config.chain_file)
    if config.source is KeySource.PKCS11:
        return open_pkcs11(config, chain)
    path = config.pkcs12_path or default_pkcs12
    if path is None:
        raise SigningKeyError("signing.key_missing")
    passphrase = config.passphrase.get_secret_value().encode() or None
    return load_pkcs12(path, passphrase, chain)


def trust_roots_of(signer: Signer, files: list[Path]) -> list[x509.Certificate]:
    """The configured trust anchors, or the self-signed certificates the signer carries."""
    if files:
        return [cert for path in files for cert in load_certs_from_pemder([str(path)])]
    certs = list(signer.cert_registry) if signer.cert_registry is not None else []
    return [c for c in certs if c.self_signed == "maybe" or c.self_signed == "yes"]


def _chain(path: Path | None) -> list[x509.Certificate]:
    return list(load_certs_from_pemder([str(path)])) if path else []


def _asn1(cert: object) -> x509.Certificate:
    return x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))  # type: ignore[attr-defined]
