"""Tampered or revoked: pyHanko (with diff analysis) and at least one other validator say invalid or indeterminate."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from registry.settings import SignatureLevel
from signing.verify import Verdict
from tests.signing_env import nss_db, openssl_cms_verify, pdfsig, raw_signatures, signed_attestation, validator


@pytest.fixture(scope="module")
def original(pki) -> bytes:  # type: ignore[no-untyped-def]
    return signed_attestation(pki, SignatureLevel.B_T)


@pytest.fixture(scope="module")
def nss(pki, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    return nss_db(pki, tmp_path_factory.mktemp("nss"))


def _pdfsig(nss: str, data: bytes, tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "t.pdf"
    path.write_bytes(data)
    return pdfsig(nss, path)


def test_untouched_file_is_valid_everywhere(pki, original, nss, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert validator(pki).validate(original).verdict is Verdict.VALID
    sig = _pdfsig(nss, original, tmp_path)[0]
    assert (sig.signature, sig.certificate, sig.total) == ("Signature is Valid.", "Certificate is Trusted.", True)


def test_changed_content_byte(pki, original, nss, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = bytearray(original)
    at = data.index(b"/MediaBox") + 12  # a byte inside the signed range (page geometry digits)
    data[at] = ord("7") if data[at] != ord("7") else ord("8")
    tampered = bytes(data)
    report = validator(pki).validate(tampered)
    assert report.verdict is Verdict.INVALID
    assert "digest_mismatch" in report.signatures[0].problems
    assert _pdfsig(nss, tampered, tmp_path)[0].signature != "Signature is Valid."
    assert not openssl_cms_verify(pki, raw_signatures(tampered)[0], tmp_path)


def _incremental(original: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    writer = IncrementalPdfFileWriter(BytesIO(original), strict=False)
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_page_added_after_signing(pki, original, nss, tmp_path) -> None:  # type: ignore[no-untyped-def]
    def add_page(writer: IncrementalPdfFileWriter) -> None:
        from pyhanko.pdf_utils.writer import PageObject

        stream = generic.StreamObject(stream_data=b"0 0 1 rg 72 700 200 40 re f")
        page = PageObject(contents=writer.add_object(stream), media_box=generic.ArrayObject([0, 0, 595, 842]))
        writer.insert_page(page)

    tampered = _incremental(original, add_page)
    report = validator(pki).validate(tampered)
    assert report.verdict is Verdict.INVALID
    assert any(p.startswith("modified_after_signing") for p in report.signatures[0].problems)
    # pdfsig: the cryptography still holds, but it reports that the signature no longer covers the file.
    sig = _pdfsig(nss, tampered, tmp_path)[0]
    assert not sig.total


def test_annotation_overlaid_on_the_text(pki, original, nss, tmp_path) -> None:  # type: ignore[no-untyped-def]
    def overlay(writer: IncrementalPdfFileWriter) -> None:
        page_ref = writer.root["/Pages"]["/Kids"][0]
        page = page_ref.get_object()
        annot = generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/FreeText"),
                pdf_name("/Rect"): generic.ArrayObject(map(generic.FloatObject, [150, 680, 400, 700])),
                pdf_name("/Contents"): generic.TextStringObject("31/12/2030"),
                pdf_name("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
                pdf_name("/P"): page_ref,
            }
        )
        page[pdf_name("/Annots")] = generic.ArrayObject([writer.add_object(annot)])
        writer.update_container(page)

    tampered = _incremental(original, overlay)
    report = validator(pki).validate(tampered)
    assert report.verdict is Verdict.INVALID
    assert report.signatures[0].modification_level in {"annotations", "other"}
    assert not _pdfsig(nss, tampered, tmp_path)[0].total


def test_signer_revoked_before_signing(pki, nss, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = signed_attestation(pki, SignatureLevel.B_T, label="revoked")
    report = validator(pki).validate(data)
    assert report.verdict is Verdict.INVALID
    assert report.signatures[0].revoked
    sig = _pdfsig(nss, data, tmp_path)[0]
    assert sig.signature == "Signature is Valid."
    assert sig.certificate == "Certificate has been Revoked."


def test_untrusted_root_is_indeterminate(pki, original) -> None:  # type: ignore[no-untyped-def]
    from signing.verify import Validator

    report = Validator([pki.cert("tsa")], allow_fetching=False).validate(original)  # not the issuing root
    assert report.verdict is Verdict.INDETERMINATE
    assert "untrusted" in report.signatures[0].problems and report.signatures[0].intact


def test_not_a_pdf_or_unsigned(pki) -> None:  # type: ignore[no-untyped-def]
    from signing.documents import render
    from tests.signing_env import attestation

    assert validator(pki).validate(b"not a pdf").problems == ["unreadable_pdf"]
    unsigned = validator(pki).validate(render(attestation()))
    assert unsigned.verdict is Verdict.INVALID and unsigned.problems == ["no_signature"]
