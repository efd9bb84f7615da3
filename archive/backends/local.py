"""The embedded backend: content-addressed, fsync'd, read-only files; WORM rules enforced here."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..errors import RetentionActive, StorageUnavailable, VaultError
from .base import PutResult, StoredVersion

_READ = 1 << 20


class LocalBackend:
    """`objects/aa/<sha256>` hold the (encrypted) bytes; `versions/<key>/<version>.json` point to them."""

    name = "local"

    def __init__(self, root: Path, *, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.root = root
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def ensure_ready(self) -> None:
        try:
            for sub in ("objects", "versions", "tmp"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable("archive.storage_unavailable", detail=exc.strerror or str(exc)) from exc

    def put(self, key: str, chunks: Iterable[bytes], retain_until: dt.datetime) -> PutResult:
        self.ensure_ready()
        digest, size = hashlib.sha256(), 0
        tmp = self.root / "tmp" / f"{secrets.token_hex(8)}.part"
        try:
            with tmp.open("xb") as handle:
                for piece in chunks:
                    handle.write(piece)
                    digest.update(piece)
                    size += len(piece)
                handle.flush()
                os.fsync(handle.fileno())
            blob = self._blob(digest.hexdigest())
            blob.parent.mkdir(exist_ok=True)
            if blob.exists():
                tmp.unlink()
            else:
                os.chmod(tmp, 0o444)
                os.replace(tmp, blob)
                fsync_dir(blob.parent)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StorageUnavailable("archive.storage_unavailable", detail=exc.strerror or str(exc)) from exc
        finally:
            tmp.unlink(missing_ok=True)
        version_id = f"{time.time_ns():020d}-{secrets.token_hex(4)}"
        self._write_manifest(
            key,
            version_id,
            {
                "blob": digest.hexdigest(),
                "size": size,
                "retain_until": retain_until.isoformat(),
                "mode": "COMPLIANCE",
                "legal_hold": False,
            },
            create=True,
        )
        return PutResult(version_id=version_id, stored_size=size, stored_sha256=digest.hexdigest())

    def get(self, key: str, version_id: str) -> Iterator[bytes]:
        blob = self._blob(self._manifest(key, version_id)["blob"])
        try:
            handle = blob.open("rb")
        except OSError as exc:
            raise StorageUnavailable("archive.storage_unavailable", detail=exc.strerror or str(exc)) from exc
        return _chunks(handle)

    def stat(self, key: str, version_id: str) -> StoredVersion:
        doc = self._manifest(key, version_id)
        return StoredVersion(
            key,
            version_id,
            int(doc["size"]),
            dt.datetime.fromisoformat(doc["retain_until"]),
            doc["mode"],
            bool(doc["legal_hold"]),
        )

    def delete(self, key: str, version_id: str) -> None:
        doc = self._manifest(key, version_id)
        if doc["legal_hold"] or dt.datetime.fromisoformat(doc["retain_until"]) > self._clock():
            raise RetentionActive("archive.storage_locked")
        path = self._manifest_path(key, version_id)
        path.unlink()
        # Every ciphertext is unique (random nonce prefix), so no other version shares this blob.
        self._blob(str(doc["blob"])).unlink(missing_ok=True)

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None:
        doc = self._manifest(key, version_id)
        doc["legal_hold"] = on
        self._write_manifest(key, version_id, doc)

    def extend_retention(self, key: str, version_id: str, retain_until: dt.datetime) -> None:
        doc = self._manifest(key, version_id)
        if retain_until < dt.datetime.fromisoformat(doc["retain_until"]):
            raise RetentionActive("archive.retention_shorten")
        doc["retain_until"] = retain_until.isoformat()
        self._write_manifest(key, version_id, doc)

    def versions(self) -> Iterator[StoredVersion]:
        base = self.root / "versions"
        for manifest in sorted(base.rglob("*.json")):
            key = manifest.parent.relative_to(base).as_posix()
            yield self.stat(key, manifest.stem)

    def blob_path(self, key: str, version_id: str) -> Path:
        """Where a version's bytes lie (for operators and tamper tests)."""
        return self._blob(self._manifest(key, version_id)["blob"])

    def _blob(self, sha: str) -> Path:
        return self.root / "objects" / sha[:2] / sha

    def _manifest_path(self, key: str, version_id: str) -> Path:
        if ".." in key.split("/") or key.startswith("/"):
            raise VaultError("archive.bad_key")
        return self.root / "versions" / key / f"{version_id}.json"

    def _manifest(self, key: str, version_id: str) -> dict[str, object]:
        try:
            return json.loads(self._manifest_path(key, version_id).read_text())  # type: ignore[no-any-return]
        except FileNotFoundError as exc:
            raise VaultError("archive.version_missing", key=key, version_id=version_id) from exc

    def _write_manifest(self, key: str, version_id: str, doc: dict[str, object], *, create: bool = False) -> None:
        path = self._manifest_path(key, version_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("w") as handle:
            json.dump(doc, handle)
            handle.flush()
            os.fsync(handle.fileno())
        if create and path.exists():
            raise VaultError("archive.version_exists")
        os.replace(tmp, path)
        fsync_dir(path.parent)


def _chunks(handle) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
    with handle:
        while piece := handle.read(_READ):
            yield piece


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in `path` durable (POSIX: fsync the directory)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
