"""Byte-stream plumbing for the vault: chunking, hashing on the way, refusing empty input."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from .errors import IntegrityError, VaultError

READ_SIZE = 1 << 20


class Hasher:
    """Pass chunks through while hashing and counting them."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks, self._digest, self.size = chunks, hashlib.sha256(), 0

    def __iter__(self) -> Iterator[bytes]:
        for piece in self._chunks:
            self._digest.update(piece)
            self.size += len(piece)
            yield piece

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def chunks(data: bytes | BinaryIO | Iterable[bytes]) -> Iterator[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        data = io.BytesIO(bytes(data))
    if hasattr(data, "read"):
        reader = data.read  # type: ignore[union-attr]
        while piece := reader(READ_SIZE):
            yield piece
        return
    for piece in data:  # type: ignore[union-attr]
        if piece:
            yield bytes(piece)


def nonempty(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Refuse an empty document before anything is written."""
    first = next(chunks, b"")
    if not first:
        raise VaultError("archive.empty")

    def _all() -> Iterator[bytes]:
        yield first
        yield from chunks

    return _all()


def teed(chunks: Iterator[bytes], digest: hashlib._Hash) -> Iterator[bytes]:
    for piece in chunks:
        digest.update(piece)
        yield piece


def verified(plain: Iterator[bytes], expected: str) -> Iterator[bytes]:
    digest = hashlib.sha256()
    for piece in plain:
        digest.update(piece)
        yield piece
    if digest.hexdigest() != expected:
        raise IntegrityError("archive.corrupt")
