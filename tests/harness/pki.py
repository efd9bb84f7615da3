"""A certomancer test PKI (root, intermediate, seal, TSA, OCSP, CRLs, a revoked signer) served on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys, x509
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, KeyLabel, PKIArchitecture
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.sign.timestamps import DummyTimeStamper

CONFIG = Path(__file__).resolve().parent.parent / "pki" / "certomancer.yml"
ARCH = ArchLabel("coffre")
KEY_LABELS = ("root", "interm", "interm-ocsp", "tsa", "seal", "revoked", "member1", "member2", "member3")
PASSPHRASE = b"coffre-test"


class InProcessTsa(DummyTimeStamper):
    """The test TSA answered in-process, lean: RSA key loaded once, certificates and the ESS attribute
    prepared once from DER (pyHanko's dummy reloads the key and re-serialises the certificates per token)."""

    def __init__(self, cert: x509.Certificate, key: keys.PrivateKeyInfo, chain: list[x509.Certificate]) -> None:
        from asn1crypto import cms
        from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute

        cert = x509.Certificate.load(cert.dump())
        super().__init__(tsa_cert=cert, tsa_key=key, certs_to_embed=None)
        self._key = serialization.load_der_private_key(key.dump(), password=None)
        self._certs_der = [cert.dump()] + [c.dump() for c in chain]
        self._ess = simple_cms_attribute("signing_certificate_v2", as_signing_certificate_v2(cert)).dump()
        self._sid = cms.SignerIdentifier(
            {"issuer_and_serial_number": {"issuer": cert.issuer, "serial_number": cert.serial_number}}
        ).dump()

    def request_tsa_response(self, req):  # type: ignore[no-untyped-def]
        from asn1crypto import algos, cms, core, tsp
        from pyhanko.sign.general import simple_cms_attribute
        from pyhanko_certvalidator.util import get_pyca_cryptography_hash

        imprint = req["message_imprint"]
        md = imprint["hash_algorithm"]["algorithm"].native
        when = dt.datetime.now(dt.UTC)
        tst_info = self._build_tst_info(imprint, when, req).dump()
        digest = hashes.Hash(get_pyca_cryptography_hash(md))
        digest.update(tst_info)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(when)})),
                cms.CMSAttribute.load(self._ess),
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        signature = self._key.sign(signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md))  # type: ignore[union-attr, call-arg]
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier.load(self._sid),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": md}),
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}),
                "signed_attrs": signed_attrs,
                "signature": signature,
            }
        )
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": md})],
                "encap_content_info": {"content_type": "tst_info", "content": cms.ParsableOctetString(tst_info)},
                "certificates": [x509.Certificate.load(der) for der in self._certs_der],
                "signer_infos": [signer_info],
            }
        )
        token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
        return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})


@dataclass
class TestPki:
    """The running PKI: certificates, keys, files (root.pem, *.p12) and service URLs."""

    arch: PKIArchitecture
    url: str
    directory: Path

    @property
    def root_pem(self) -> Path:
        return self.directory / "root.pem"

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/coffre/tsa/tsa"

    def cert(self, label: str) -> x509.Certificate:
        return self.arch.get_cert(CertLabel(label))

    def key(self, label: str) -> keys.PrivateKeyInfo:
        return self.arch.key_set.get_private_key(KeyLabel(label))

    def pkcs12(self, label: str) -> Path:
        """A PKCS#12 file (key, certificate, chain) protected by PASSPHRASE."""
        path = self.directory / f"{label}.p12"
        if not path.exists():
            path.write_bytes(self.arch.package_pkcs12(CertLabel(label), password=PASSPHRASE))
        return path

    def key_pem(self, label: str) -> Path:
        return self.directory / "keys" / f"{label}.key.pem"

    def chain(self, label: str) -> list[x509.Certificate]:
        return [self.cert(c) for c in self.arch.get_chain(CertLabel(label))]

    def in_process_tsa(self) -> InProcessTsa:
        return InProcessTsa(self.cert("tsa"), self.key("tsa"), [self.cert("root")])


def _make_keys(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for label in KEY_LABELS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (directory / f"{label}.key.pem").write_bytes(pem)


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.contextmanager
def start_pki(directory: Path) -> Iterator[TestPki]:
    """Generate keys, build the architecture and serve OCSP, CRLs and the TSA on 127.0.0.1."""
    from aiohttp import web

    _make_keys(directory / "keys")
    sock = _free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = CertomancerConfig.from_file(str(CONFIG), key_search_dir=str(directory / "keys"), external_url_prefix=url)
    arch = config.get_pki_arch(ARCH)
    pki = TestPki(arch, url, directory)
    pki.root_pem.write_bytes(_pem(arch.get_cert(CertLabel("root"))))
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(_app(pki), access_log=None)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.SockSite(runner, sock).start())
    thread = threading.Thread(target=loop.run_forever, name="test-pki", daemon=True)
    thread.start()
    try:
        yield pki
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def _app(pki: TestPki):  # type: ignore[no-untyped-def]
    """OCSP (POST, and GET as NSS sends it), CRLs and the TSA, with whole-second times.

    certomancer's own animator stamps OCSP responses with microseconds, which NSS (pdfsig) rejects as
    malformed, and serves OCSP over POST only; its TSA also reloads the RSA key for every token.
    """
    import base64
    import urllib.parse

    from aiohttp import web
    from asn1crypto import ocsp, tsp
    from certomancer.registry import ServiceLabel

    registry = pki.arch.service_registry
    tsa = pki.in_process_tsa()

    def _ocsp(label: str, raw: bytes) -> web.Response:
        responder = registry.summon_responder(ServiceLabel(label), now().replace(microsecond=0))
        response = responder.build_ocsp_response(ocsp.OCSPRequest.load(raw))
        return web.Response(body=response.dump(), content_type="application/ocsp-response")

    async def ocsp_post(request: web.Request) -> web.Response:
        return _ocsp(request.match_info["label"], await request.read())

    async def ocsp_get(request: web.Request) -> web.Response:
        raw = base64.b64decode(urllib.parse.unquote(request.match_info["request"]))
        return _ocsp(request.match_info["label"], raw)

    async def crl(request: web.Request) -> web.Response:
        body = registry.get_crl(ServiceLabel(request.match_info["label"]), now().replace(microsecond=0)).dump()
        return web.Response(body=body, content_type="application/pkix-crl")

    async def timestamp(request: web.Request) -> web.Response:
        response = tsa.request_tsa_response(tsp.TimeStampReq.load(await request.read()))
        return web.Response(body=response.dump(), content_type="application/timestamp-reply")

    app = web.Application()
    app.router.add_post("/coffre/ocsp/{label}", ocsp_post)
    app.router.add_get("/coffre/ocsp/{label}/{request:.+}", ocsp_get)
    app.router.add_get("/coffre/crls/{label}/latest.crl", crl)
    app.router.add_post("/coffre/tsa/tsa", timestamp)
    return app


def _pem(cert: x509.Certificate) -> bytes:
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", cert.dump())


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
