"""The HSM path: the seal's key on a SoftHSM2 token (PKCS#11), signing and validating."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from registry.settings import KeySettings, KeySource, SignatureLevel, SigningSettings
from signing.documents import render
from signing.pades import PadesSigner
from signing.verify import Verdict
from tests.signing_env import attestation, nss_db, pdfsig, validator

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "4321"


@pytest.fixture
def token(pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:  # type: ignore[no-untyped-def]
    if not (shutil.which("softhsm2-util") and Path(MODULE).exists()):
        pytest.skip("softhsm2 not installed (deploy/setup.sh test)")
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    env = dict(os.environ, SOFTHSM2_CONF=str(conf))

    def run(*args: str) -> None:
        subprocess.run(["softhsm2-util", *args], check=True, capture_output=True, env=env)

    run("--init-token", "--free", "--label", "coffre", "--so-pin", "12345678", "--pin", PIN)
    run("--import", str(pki.key_pem("seal")), "--token", "coffre", "--label", "seal", "--id", "01", "--pin", PIN)
    _store_certificate(pki.cert("seal").dump(), "seal")
    return "coffre"


def _store_certificate(der: bytes, label: str) -> None:
    """softhsm2-util imports keys only; the certificate goes on the token through PKCS#11 itself."""
    import pkcs11
    from asn1crypto import x509
    from pkcs11 import Attribute, CertificateType, ObjectClass

    cert = x509.Certificate.load(der)
    token = pkcs11.lib(MODULE).get_token(token_label="coffre")
    with token.open(rw=True, user_pin=PIN) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: label,
                Attribute.ID: b"\x01",
                Attribute.SUBJECT: cert.subject.dump(),
                Attribute.ISSUER: cert.issuer.dump(),
                Attribute.SERIAL_NUMBER: cert["tbs_certificate"]["serial_number"].dump(),
                Attribute.VALUE: der,
            }
        )


def test_softhsm2_seal_signs_b_lt_and_validates(pki, token, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chain = tmp_path / "chain.pem"
    from asn1crypto import pem

    chain.write_bytes(b"".join(pem.armor("CERTIFICATE", pki.cert(c).dump()) for c in ("interm", "root")))
    settings = SigningSettings(
        seal=KeySettings(
            source=KeySource.PKCS11, pkcs11_module=MODULE, pkcs11_token=token, pkcs11_pin=PIN,
            pkcs11_key_label="seal", chain_file=chain,
        ),
        trust_roots=[pki.root_pem],
    )  # fmt: skip
    with PadesSigner.from_settings(settings, timestamper=pki.in_process_tsa()) as signer:
        assert signer.certificate.subject == pki.cert("seal").subject
        data = signer.sign(render(attestation()), SignatureLevel.B_LT)
    report = validator(pki).validate(data)
    assert report.verdict is Verdict.VALID, report
    assert report.signatures[0].level is SignatureLevel.B_LT
    path = tmp_path / "hsm.pdf"
    path.write_bytes(data)
    sig = pdfsig(nss_db(pki, tmp_path / "nss"), path)[0]
    assert (sig.signature, sig.certificate) == ("Signature is Valid.", "Certificate is Trusted.")
