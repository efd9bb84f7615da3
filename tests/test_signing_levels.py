"""Each PAdES level, on a real attestation: valid in pyHanko, pdfsig and OpenSSL; conformance read on the bytes."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import cms, crl, ocsp, x509
from pyhanko.pdf_utils.reader import PdfFileReader

from registry.settings import SignatureLevel
from signing.verify import Verdict
from tests.signing_env import (
    nss_db,
    openssl_cms_verify,
    openssl_ts_verify,
    pdfsig,
    raw_signatures,
    signed_attestation,
    validator,
)

LEVELS = list(SignatureLevel)


@pytest.fixture(scope="module")
def signed(pki) -> dict[SignatureLevel, bytes]:  # type: ignore[no-untyped-def]
    return {level: signed_attestation(pki, level) for level in LEVELS}


@pytest.fixture(scope="module")
def nss(pki, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    return nss_db(pki, tmp_path_factory.mktemp("nss"))


@pytest.mark.parametrize("level", LEVELS, ids=[lv.value for lv in LEVELS])
def test_pyhanko_validator_with_test_root_only(pki, signed, level) -> None:  # type: ignore[no-untyped-def]
    report = validator(pki).validate(signed[level])
    assert report.verdict is Verdict.VALID, report
    main = [s for s in report.signatures if s.kind == "signature"]
    assert len(main) == 1
    assert main[0].level is level
    assert main[0].trusted and main[0].intact and main[0].valid and not main[0].revoked
    assert "CCAS de Saint-Denis" in main[0].signer
    assert (main[0].timestamp is not None) == (level is not SignatureLevel.B_B)
    stamps = [s for s in report.signatures if s.kind == "document_timestamp"]
    assert len(stamps) == (1 if level is SignatureLevel.B_LTA else 0)


@pytest.mark.parametrize("level", LEVELS, ids=[lv.value for lv in LEVELS])
def test_pdfsig_trusts_the_signature(pki, signed, nss, level, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed[level])
    sigs = pdfsig(nss, path)
    regular = [s for s in sigs if s.subfilter == "ETSI.CAdES.detached"]
    assert len(regular) == 1, sigs
    assert regular[0].signature == "Signature is Valid."
    assert regular[0].certificate == "Certificate is Trusted."
    # Later revisions (DSS, archive timestamp) are appended after the signature at B-LT and B-LTA.
    assert regular[0].total == (level in (SignatureLevel.B_B, SignatureLevel.B_T))


@pytest.mark.parametrize("level", LEVELS, ids=[lv.value for lv in LEVELS])
def test_openssl_verifies_each_byte_range(pki, signed, level, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    raws = raw_signatures(signed[level])
    assert raws
    for raw in raws:
        if raw.kind == "/DocTimeStamp":
            assert openssl_ts_verify(pki, raw, tmp_path)
        else:
            assert openssl_cms_verify(pki, raw, tmp_path)


@pytest.mark.parametrize("level", LEVELS, ids=[lv.value for lv in LEVELS])
def test_conformance_on_the_bytes(signed, level) -> None:  # type: ignore[no-untyped-def]
    reader = PdfFileReader(BytesIO(signed[level]), strict=False)
    sig = reader.embedded_regular_signatures[0]
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert "/M" in sig.sig_object
    signer_info = sig.signed_data["signer_infos"][0]
    attrs = {a["type"].native for a in signer_info["signed_attrs"]}
    assert {"content_type", "message_digest", "signing_certificate_v2"} <= attrs
    assert "signing_time" not in attrs
    unsigned = {a["type"].native for a in signer_info["unsigned_attrs"]} if signer_info["unsigned_attrs"] else set()
    assert ("signature_time_stamp_token" in unsigned) == (level is not SignatureLevel.B_B)


@pytest.mark.parametrize("level", [SignatureLevel.B_LT, SignatureLevel.B_LTA], ids=["B-LT", "B-LTA"])
def test_dss_holds_chain_and_revocation_data_tsa_included(pki, signed, level) -> None:  # type: ignore[no-untyped-def]
    reader = PdfFileReader(BytesIO(signed[level]), strict=False)
    dss = reader.root["/DSS"]
    certs = {x509.Certificate.load(ref.get_object().data).subject.human_friendly for ref in dss["/Certs"]}
    for label in ("seal", "interm", "tsa"):
        assert pki.cert(label).subject.human_friendly in certs
    crls = [crl.CertificateList.load(ref.get_object().data) for ref in dss["/CRLs"]]
    crl_issuers = {c.issuer.human_friendly for c in crls}
    # The root's CRL covers the intermediate and the TSA; the seal is covered by the OCSP responses below.
    assert pki.cert("root").subject.human_friendly in crl_issuers
    ocsps = [ocsp.OCSPResponse.load(ref.get_object().data) for ref in dss["/OCSPs"]]
    assert ocsps and all(o["response_status"].native == "successful" for o in ocsps)
    serials = {
        r["cert_id"]["serial_number"].native
        for o in ocsps
        for r in o.basic_ocsp_response["tbs_response_data"]["responses"]
    }
    assert pki.cert("seal").serial_number in serials
    # The TSA's revocation data: its certificate's CRL distribution point is the root's CRL, present above.
    tsa_dp = pki.cert("tsa").crl_distribution_points[0].url
    assert "crls/root" in tsa_dp


def test_b_lta_document_timestamp_covers_the_dss(signed) -> None:  # type: ignore[no-untyped-def]
    data = signed[SignatureLevel.B_LTA]
    reader = PdfFileReader(BytesIO(data), strict=False)
    stamp = reader.embedded_timestamp_signatures[0]
    assert stamp.sig_object["/SubFilter"] == "/ETSI.RFC3161"
    first_dss = next(i for i in range(reader.xrefs.total_revisions) if "/DSS" in reader.get_historical_resolver(i).root)
    # The signature, then its DSS, and the archive timestamp over a revision that already contains the DSS.
    assert reader.embedded_regular_signatures[0].signed_revision < first_dss <= stamp.signed_revision
    content = cms.ContentInfo.load(stamp.pkcs7_content)
    assert content["content"]["encap_content_info"]["content_type"].native == "tst_info"
