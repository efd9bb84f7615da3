"""RFC 3161 time-stamping: the TSA client used for B-T and up, and the coffre-fort journal-seal hook."""

from __future__ import annotations

import asyncio
import logging

from asn1crypto import cms, tsp
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper

log = logging.getLogger(__name__)


def http_timestamper(url: str, timeout: float = 10.0, *, keep_session: bool = True) -> TimeStamper:
    """A client for the RFC 3161 TSA at `url` (HTTP POST, application/timestamp-query).

    keep_session: reuse one HTTP session (for callers that keep one event loop, like PadesSigner).
    """
    from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import LazySession

    return HTTPTimeStamper(url, timeout=timeout, session=LazySession() if keep_session else None)


class JournalTimestamper:
    """`archive.seal.Timestamper`: SHA-256 digest in, DER RFC 3161 TimeStampToken out."""

    def __init__(self, timestamper: TimeStamper) -> None:
        self._timestamper = timestamper

    @classmethod
    def from_url(cls, url: str, timeout: float = 10.0) -> JournalTimestamper:
        return cls(http_timestamper(url, timeout, keep_session=False))

    def __call__(self, digest: bytes) -> bytes:
        if len(digest) != 32:
            raise ValueError("a SHA-256 digest is expected")
        token: cms.ContentInfo = asyncio.run(self._timestamper.async_timestamp(digest, "sha256"))
        log.info("journal seal timestamped")
        return token.dump()


def token_digest(token_der: bytes) -> tuple[bytes, str]:
    """The (digest, algorithm) an RFC 3161 token covers, read from its TSTInfo."""
    token = cms.ContentInfo.load(token_der)
    content = token["content"]["encap_content_info"]["content"].parsed
    assert isinstance(content, tsp.TSTInfo)
    imprint = content["message_imprint"]
    return imprint["hashed_message"].native, imprint["hash_algorithm"]["algorithm"].native
