"""Helpers of the signing tests: sample documents, signers on the test PKI, and the independent validators."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader

from registry.settings import SignatureLevel
from signing.documents import Attestation, Organisme, Person, render
from signing.keys import load_pkcs12
from signing.pades import PadesSigner
from signing.verify import Validator
from tests.harness.pki import PASSPHRASE, TestPki

ORGANISME = Organisme(
    "CCAS de Saint-Denis", ["2 place Victor Hugo"], "93200", "SAINT-DENIS", "Service domiciliation",
    "AG-93-2021-004", "Seine-Saint-Denis", "01 49 33 66 66", "domiciliation@example.fr", "Hélène Dupré",
)  # fmt: skip


def attestation(verify_id: str = "test-verify-id") -> Attestation:
    return Attestation(
        verify_id=verify_id,
        numero_dossier="2026-00042",
        usager=Person("Diallo", "Mamadou", "M", dt.date(1984, 3, 2), "Conakry (Guinée)"),
        organisme=ORGANISME,
        premiere=True,
        debut=dt.date(2026, 1, 5),
        fin=dt.date(2027, 1, 4),
        issued_on=dt.date(2026, 1, 5),
        verify_url=f"https://coffre.example.fr/verify/{verify_id}",
        ayants_droit=[Person("Diallo", "Aïssatou", lien="enfant", date_naissance=dt.date(2015, 6, 1))],
    )


def signer(pki: TestPki, label: str = "seal") -> PadesSigner:
    return PadesSigner(
        load_pkcs12(pki.pkcs12(label), PASSPHRASE), trust_roots=[pki.cert("root")], timestamper=pki.in_process_tsa()
    )


def signed_attestation(pki: TestPki, level: SignatureLevel, label: str = "seal") -> bytes:
    with signer(pki, label) as s:
        return s.sign(render(attestation()), level)


def validator(pki: TestPki) -> Validator:
    return Validator([pki.cert("root")])


# -- poppler's pdfsig with an NSS database trusting only the test root ----------------------------------


def nss_db(pki: TestPki, directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    db = f"sql:{directory}"
    subprocess.run(["certutil", "-N", "-d", db, "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        ["certutil", "-A", "-d", db, "-n", "coffre-test-root", "-t", "CT,C,C", "-i", str(pki.root_pem)],
        check=True,
        capture_output=True,
    )
    return db


@dataclass(frozen=True)
class PdfsigSignature:
    field: str
    signature: str  # "Signature is Valid." …
    certificate: str  # "Certificate is Trusted." …
    total: bool  # "Total document signed"
    subfilter: str


def pdfsig(db: str, path: Path) -> list[PdfsigSignature]:
    """pdfsig's per-signature lines (its exit code stays 0 on a digest mismatch, so the lines are what counts)."""
    out = subprocess.run(["pdfsig", "-nssdir", db, str(path)], capture_output=True, text=True, timeout=60).stdout
    result = []
    for block in re.split(r"^Signature #\d+:$", out, flags=re.M)[1:]:
        fields = dict(re.findall(r"^\s+- ([^:\n]+?): (.*)$", block, flags=re.M))
        result.append(
            PdfsigSignature(
                field=fields.get("Signature Field Name", ""),
                signature=fields.get("Signature Validation", ""),
                certificate=fields.get("Certificate Validation", ""),
                total="Total document signed" in block and "Not total document signed" not in block,
                subfilter=fields.get("Signature Type", ""),
            )
        )
    return result


# -- OpenSSL over each signature's /ByteRange ------------------------------------------------------------


@dataclass(frozen=True)
class RawSignature:
    kind: str  # "/Sig" | "/DocTimeStamp"
    signed_bytes: bytes
    contents: bytes  # DER CMS


def raw_signatures(data: bytes) -> list[RawSignature]:
    reader = PdfFileReader(BytesIO(data), strict=False)
    result = []
    for sig in reader.embedded_signatures:
        ranges = list(sig.sig_object["/ByteRange"])
        signed = b"".join(data[ranges[i] : ranges[i] + ranges[i + 1]] for i in range(0, len(ranges), 2))
        result.append(RawSignature(sig.sig_object_type, signed, sig.pkcs7_content))
    return result


def openssl_cms_verify(pki: TestPki, raw: RawSignature, tmp: Path) -> bool:
    (tmp / "content.bin").write_bytes(raw.signed_bytes)
    (tmp / "sig.der").write_bytes(raw.contents)
    result = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp / "sig.der"),
         "-content", str(tmp / "content.bin"), "-CAfile", str(pki.root_pem), "-purpose", "any", "-out", "/dev/null"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return result.returncode == 0 and "Verification successful" in result.stderr


def openssl_ts_verify(pki: TestPki, raw: RawSignature, tmp: Path) -> bool:
    """A document timestamp is an RFC 3161 token over the byte ranges: `openssl ts -verify`."""
    (tmp / "content.bin").write_bytes(raw.signed_bytes)
    (tmp / "token.der").write_bytes(raw.contents)
    result = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(tmp / "content.bin"), "-in", str(tmp / "token.der"), "-token_in",
         "-CAfile", str(pki.root_pem)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return result.returncode == 0 and "Verification: OK" in result.stdout
