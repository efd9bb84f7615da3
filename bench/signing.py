"""Attestations generated and signed per second at B-T and B-LTA (in-process TSA), against pyHanko out of the box."""

from __future__ import annotations

import tempfile
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from bench._common import timed
from registry.settings import SignatureLevel
from signing.documents import render
from signing.keys import load_pkcs12
from signing.pades import PadesSigner
from tests.harness.pki import PASSPHRASE, start_pki
from tests.signing_env import attestation

COUNTS = {SignatureLevel.B_T: 60, SignatureLevel.B_LTA: 30}
GOALS = {SignatureLevel.B_T: 20.0, SignatureLevel.B_LTA: 5.0}


def _reference(pki, level: SignatureLevel, count: int) -> float:  # type: ignore[no-untyped-def]
    """pyHanko out of the box: a freshly loaded PKCS#12 signer, signers.sign_pdf with default settings."""
    from pyhanko_certvalidator import ValidationContext

    tsa = pki.in_process_tsa()
    with timed() as elapsed:
        for i in range(count):
            signer = signers.SimpleSigner.load_pkcs12(str(pki.pkcs12("seal")), passphrase=PASSPHRASE)
            lt = level is SignatureLevel.B_LTA
            meta = signers.PdfSignatureMetadata(
                field_name="Signature1",
                subfilter=fields.SigSeedSubFilter.PADES,
                embed_validation_info=lt,
                use_pades_lta=lt,
                validation_context=ValidationContext(trust_roots=[pki.cert("root")], allow_fetching=True)
                if lt
                else None,
            )
            pdf = render(attestation(f"ref{i}"))
            signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), meta, signer=signer, timestamper=tsa)
    return count / elapsed[0]


def _coffre(pki, level: SignatureLevel, count: int) -> float:  # type: ignore[no-untyped-def]
    with PadesSigner(
        load_pkcs12(pki.pkcs12("seal"), PASSPHRASE), trust_roots=[pki.cert("root")], timestamper=pki.in_process_tsa()
    ) as signer:
        signer.sign(render(attestation("warm-up")), level)  # first OCSP/CRL fetch, fonts
        with timed() as elapsed:
            for i in range(count):
                signer.sign(render(attestation(f"att{i}")), level)
    return count / elapsed[0]


def main() -> None:
    print("\n== signing: attestations generated (reportlab) and sealed (PAdES), one thread ==")
    with tempfile.TemporaryDirectory() as tmp, start_pki(Path(tmp)) as pki:
        for level, count in COUNTS.items():
            ours = _coffre(pki, level, count)
            reference = _reference(pki, level, max(count // 3, 10))
            verdict = "ok" if ours >= GOALS[level] else "BELOW GOAL"
            print(
                f"{level.value:6} coffre: {ours:6.1f} attestations/s (goal >= {GOALS[level]:.0f}/s: {verdict})"
                f" | pyHanko out of the box: {reference:6.1f}/s | ratio {ours / reference:.1f}"
            )
