"""Client-side encryption: AES-256-GCM in fixed-size chunks (bounded memory), keys wrapped by a master key."""

from __future__ import annotations

import base64
import json
import os
import secrets
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from registry.settings import Settings

from .errors import IntegrityError, VaultError

MAGIC = b"CFR1"
_HEADER = struct.Struct(">4sI8s")  # magic, chunk size, nonce prefix
TAG = 16


def header_size() -> int:
    return _HEADER.size


def stored_size(plain_size: int, chunk_size: int) -> int:
    """Size of the ciphertext for a plaintext of `plain_size` bytes."""
    chunks = max(1, -(-plain_size // chunk_size))
    return _HEADER.size + plain_size + chunks * TAG


def encrypt_stream(key: bytes, chunks: Iterable[bytes], chunk_size: int) -> Iterator[bytes]:
    """Yield the header then one sealed chunk per `chunk_size` plaintext bytes.

    Each chunk's nonce is prefix‖counter and its associated data binds the header, the counter and
    a final-chunk flag, so chunks cannot be reordered, dropped or truncated undetected.
    """
    aead, prefix = AESGCM(key), secrets.token_bytes(8)
    header = _HEADER.pack(MAGIC, chunk_size, prefix)
    yield header
    counter = 0
    held: bytes | bytearray | memoryview | None = None  # a full block, sealed once we know whether more follows
    partial = bytearray()
    for piece in chunks:
        view = memoryview(piece)
        while view:
            if not partial and len(view) >= chunk_size:  # aligned input: no copy
                block, view = view[:chunk_size], view[chunk_size:]
            else:
                take = chunk_size - len(partial)
                partial += view[:take]
                view = view[take:]
                if len(partial) < chunk_size:
                    break
                block, partial = bytes(partial), bytearray()
            if held is not None:
                yield _seal(aead, prefix, header, counter, held, final=False)
                counter += 1
            held = block
    if partial:
        if held is not None:
            yield _seal(aead, prefix, header, counter, held, final=False)
            counter += 1
        held = partial
    yield _seal(aead, prefix, header, counter, held if held is not None else b"", final=True)


def decrypt_stream(key: bytes, stored: Iterable[bytes]) -> Iterator[bytes]:
    """Yield the plaintext of a stored object chunk by chunk; raise IntegrityError on any tampering."""
    reader = _Reader(iter(stored))
    header = reader.read(_HEADER.size)
    if len(header) != _HEADER.size:
        raise IntegrityError("archive.corrupt")
    magic, chunk_size, prefix = _HEADER.unpack(header)
    if magic != MAGIC or not 0 < chunk_size <= 1 << 28:
        raise IntegrityError("archive.corrupt")
    aead, counter = AESGCM(key), 0
    block = reader.read(chunk_size + TAG)
    while True:
        following = reader.read(chunk_size + TAG)
        final = not following
        try:
            yield aead.decrypt(_nonce(prefix, counter), block, _aad(header, counter, final))
        except Exception as exc:  # cryptography raises InvalidTag
            raise IntegrityError("archive.corrupt") from exc
        if final:
            return
        block, counter = following, counter + 1


def wrap_key(master: bytes, data_key: bytes, owner: str) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(master).encrypt(nonce, data_key, owner.encode())


def unwrap_key(master: bytes, wrapped: bytes, owner: str) -> bytes:
    try:
        return AESGCM(master).decrypt(wrapped[:12], wrapped[12:], owner.encode())
    except Exception as exc:
        raise VaultError("archive.key_unwrap") from exc


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


@dataclass(frozen=True)
class Keyring:
    """The master keys by id and the one used to wrap new data keys."""

    keys: dict[str, bytes]
    current: str

    def master(self, key_id: str) -> bytes:
        if key_id not in self.keys:
            raise VaultError("archive.master_key_missing", key_id=key_id)
        return self.keys[key_id]

    @classmethod
    def from_settings(cls, settings: Settings, *, create: bool = True) -> Keyring:
        """Keys from settings; else from the key file, created with one fresh key if missing."""
        archive = settings.archive
        if archive.master_keys:
            keys = {k: _decode(v.get_secret_value()) for k, v in archive.master_keys.items()}
            current = archive.current_master_key or sorted(keys)[-1]
            return cls(keys, current)
        path = settings.master_key_file
        if not path.exists():
            if not create:
                raise VaultError("archive.master_key_file_missing", path=str(path))
            write_key_file(path, cls({"k1": secrets.token_bytes(32)}, "k1"))
        doc = json.loads(path.read_text())
        return cls({k: _decode(v) for k, v in doc["keys"].items()}, doc["current"])

    def with_new_key(self) -> Keyring:
        key_id = f"k{max((int(k[1:]) for k in self.keys if k[1:].isdigit()), default=0) + 1}"
        return Keyring({**self.keys, key_id: secrets.token_bytes(32)}, key_id)


def write_key_file(path: Path, keyring: Keyring) -> None:
    """Write the key file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    doc = {"current": keyring.current, "keys": {k: base64.b64encode(v).decode() for k, v in keyring.keys.items()}}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(doc, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _decode(text: str) -> bytes:
    key = base64.b64decode(text)
    if len(key) != 32:
        raise VaultError("archive.master_key_size")
    return key


def _nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + struct.pack(">I", counter)


def _aad(header: bytes, counter: int, final: bool) -> bytes:
    return header + struct.pack(">IB", counter, 1 if final else 0)


def _seal(
    aead: AESGCM, prefix: bytes, header: bytes, counter: int, block: bytes | bytearray | memoryview, *, final: bool
) -> bytes:
    if counter >= 1 << 32:
        raise VaultError("archive.too_large")
    return aead.encrypt(_nonce(prefix, counter), block, _aad(header, counter, final))


class _Reader:
    """Read exact byte counts from an iterator of arbitrary-sized chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._buffer = chunks, bytearray()

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            piece = next(self._chunks, None)
            if piece is None:
                break
            self._buffer += piece
        out, self._buffer = bytes(self._buffer[:size]), self._buffer[size:]
        return out
