"""Any S3 with Object Lock through the minio SDK: COMPLIANCE per version, Content-MD5 on every part."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.credentials import Credentials
from minio.datatypes import Part
from minio.error import MinioException, S3Error
from minio.retention import Retention

from registry.settings import StorageSettings

from ..errors import RetentionActive, StorageUnavailable, VaultError
from ..streams import BACKGROUND_MIN, HashingThread
from .base import PutResult, StoredVersion

log = logging.getLogger(__name__)
_READ = 1 << 20
_LOCKED = {"AccessDenied", "ObjectLocked", "InvalidRequest"}
_PAYLOAD_SHA256 = "X-Coffre-Payload-Sha256"  # popped before sending: the body's SHA-256, already computed


class _Client(Minio):
    """minio signs plain-HTTP requests with the body's SHA-256; take ours instead of hashing it a third time."""

    def _build_headers(
        self,
        host: str,
        headers: dict[str, str] | None = None,  # type: ignore[override]
        body: bytes | None = None,
        creds: Credentials | None = None,
    ) -> tuple[dict[str, str], dt.datetime]:
        headers = headers or {}
        known = headers.pop(_PAYLOAD_SHA256, None)
        if known is None or not body or "Content-MD5" not in headers:
            return super()._build_headers(host, headers, body, creds)  # type: ignore[return-value]
        built, date = super()._build_headers(host, headers, None, creds)
        built["Content-Length"] = str(len(body))
        if creds and built.get("x-amz-content-sha256") != "UNSIGNED-PAYLOAD":
            built["x-amz-content-sha256"] = known
        return built, date  # type: ignore[return-value]


class S3Backend:
    """Stores each version COMPLIANCE-locked; reads retention from object headers (RGW-safe)."""

    name = "s3"

    def __init__(self, storage: StorageSettings, *, part_size: int = 16 << 20, timeout: float = 30) -> None:
        self.bucket = storage.s3_bucket
        self.part_size = max(part_size, 5 << 20)
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=timeout),
            retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)),
            maxsize=8,
        )
        self._hashing = HashingThread("s3-md5")  # Content-MD5 beside the SHA-256
        self.client = _Client(
            storage.s3_endpoint,
            access_key=storage.s3_access_key,
            secret_key=storage.s3_secret_key.get_secret_value(),
            secure=storage.s3_secure,
            region=storage.s3_region or None,
            http_client=http,
        )

    def ensure_ready(self) -> None:
        with _storage_errors():
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket, object_lock=True)
                return
            config = self.client.get_object_lock_config(self.bucket)
            if config is None:
                raise VaultError("archive.bucket_without_lock", bucket=self.bucket)

    def probe(self) -> None:
        """Raise a readable error unless the bucket answers (health checks; no side effect)."""
        with _storage_errors():
            if not self.client.bucket_exists(self.bucket):
                raise VaultError("health.bucket_missing", bucket=self.bucket)

    def put(self, key: str, chunks: Iterable[bytes], retain_until: dt.datetime) -> PutResult:
        """Upload in parts of `part_size`; each request carries Content-MD5 so the server checks the bytes.

        minio's public put_object drops a caller's Content-MD5 over plain HTTP, so the upload goes
        through its request layer (pinned minio version); an interrupted multipart upload is aborted.
        """
        headers = {
            "x-amz-object-lock-mode": COMPLIANCE,
            "x-amz-object-lock-retain-until-date": _amz_date(retain_until),
            "Content-Type": "application/octet-stream",
        }
        digest, size, upload_id, parts = hashlib.sha256(), 0, None, []
        with _storage_errors():
            try:
                for number, part in enumerate(_parts(chunks, self.part_size), start=1):
                    checks = self._checksums(part)
                    size += len(part)
                    if number == 1 and len(part) < self.part_size:  # the whole object: its hash is the part's
                        result = self.client._put_object(self.bucket, key, part, {**headers, **checks})
                        return PutResult(result.version_id or "null", size, checks[_PAYLOAD_SHA256])
                    digest.update(part)
                    if upload_id is None:
                        upload_id = self.client._create_multipart_upload(self.bucket, key, headers)
                    etag = self.client._upload_part(self.bucket, key, part, checks, upload_id, number)
                    parts.append(Part(number, etag))
                if upload_id is None:  # no bytes at all
                    result = self.client._put_object(self.bucket, key, b"", {**headers, **_md5(b"")})
                    return PutResult(result.version_id or "null", 0, digest.hexdigest())
                result = self.client._complete_multipart_upload(self.bucket, key, upload_id, parts)
                return PutResult(result.version_id or "null", size, digest.hexdigest())
            except BaseException:
                if upload_id is not None:
                    self._abort(key, upload_id)
                raise

    def _checksums(self, part: bytes) -> dict[str, str]:
        """Content-MD5 (the server checks it) and the SHA-256 that signs the request, hashed side by side."""
        if len(part) < BACKGROUND_MIN:
            return {**_md5(part), _PAYLOAD_SHA256: hashlib.sha256(part).hexdigest()}
        md5 = self._hashing.submit(_md5, part)
        sha256 = hashlib.sha256(part).hexdigest()
        return {**md5.result(), _PAYLOAD_SHA256: sha256}

    def get(self, key: str, version_id: str) -> Iterator[bytes]:
        with _storage_errors():
            response = self.client.get_object(self.bucket, key, version_id=version_id)
        return _stream(response)

    def stat(self, key: str, version_id: str) -> StoredVersion:
        with _storage_errors():
            info = self.client.stat_object(self.bucket, key, version_id=version_id)
        headers = info.metadata or {}
        until = headers.get("x-amz-object-lock-retain-until-date")
        return StoredVersion(
            key,
            version_id,
            int(info.size or 0),
            _parse_amz_date(until) if until else None,
            headers.get("x-amz-object-lock-mode"),
            headers.get("x-amz-object-lock-legal-hold") == "ON",
        )

    def delete(self, key: str, version_id: str) -> None:
        try:
            self.client.remove_object(self.bucket, key, version_id=version_id)
        except S3Error as exc:
            if exc.code in _LOCKED:
                raise RetentionActive("archive.storage_locked") from exc
            raise StorageUnavailable("archive.storage_unavailable", detail=exc.code) from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable("archive.storage_unavailable", detail=type(exc).__name__) from exc

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None:
        with _storage_errors():
            if on:
                self.client.enable_object_legal_hold(self.bucket, key, version_id=version_id)
            else:
                self.client.disable_object_legal_hold(self.bucket, key, version_id=version_id)

    def extend_retention(self, key: str, version_id: str, retain_until: dt.datetime) -> None:
        try:
            self.client.set_object_retention(
                self.bucket, key, Retention(COMPLIANCE, retain_until), version_id=version_id
            )
        except S3Error as exc:
            if exc.code in _LOCKED:
                raise RetentionActive("archive.retention_shorten") from exc
            raise StorageUnavailable("archive.storage_unavailable", detail=exc.code) from exc

    def versions(self) -> Iterator[StoredVersion]:
        with _storage_errors():
            for obj in self.client.list_objects(self.bucket, recursive=True, include_version=True):
                if obj.is_delete_marker:
                    continue
                yield StoredVersion(
                    obj.object_name or "", obj.version_id or "null", int(obj.size or 0), None, None, False
                )

    def _abort(self, key: str, upload_id: str) -> None:
        try:
            self.client._abort_multipart_upload(self.bucket, key, upload_id)
        except Exception:  # noqa: BLE001 - best effort; the server's lifecycle cleans the rest
            log.warning("could not abort multipart upload %s", upload_id)


@contextmanager
def _storage_errors() -> Iterator[None]:
    """Turn SDK and network errors into StorageUnavailable with a readable reason."""
    try:
        yield
    except VaultError:
        raise
    except S3Error as exc:
        if exc.code in ("NoSuchKey", "NoSuchVersion"):
            raise VaultError("archive.version_missing", key=exc.object_name or "", version_id="") from exc
        raise StorageUnavailable("archive.storage_unavailable", detail=exc.code) from exc
    except (MinioException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        raise StorageUnavailable("archive.storage_unavailable", detail=type(exc).__name__) from exc


def _parts(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Regroup chunks into parts of `size` bytes (the last one shorter), joining each part once."""
    pending: list[bytes] = []
    length = 0
    for piece in chunks:
        pending.append(piece)
        length += len(piece)
        if length >= size:
            joined = memoryview(b"".join(pending))
            start = 0
            while length - start >= size:
                yield bytes(joined[start : start + size])
                start += size
            pending, length = [bytes(joined[start:])], length - start
    if length:
        yield b"".join(pending)


def _md5(data: bytes) -> dict[str, str]:
    return {"Content-MD5": base64.b64encode(hashlib.md5(data).digest()).decode()}  # noqa: S324 - S3's integrity check


def _stream(response) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
    try:
        yield from response.stream(_READ)
    finally:
        response.close()
        response.release_conn()


def _amz_date(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _parse_amz_date(text: str) -> dt.datetime:
    """Parse S3 dates, including RGW's nanosecond fractions that minio's own parser rejects."""
    match = re.match(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z?", text)
    if not match:
        raise VaultError("archive.bad_date", value=text)
    base = dt.datetime.fromisoformat(match.group(1)).replace(tzinfo=dt.UTC)
    return base + dt.timedelta(microseconds=int((match.group(2) or "0")[:6].ljust(6, "0")))
