"""Byte-stream plumbing for the vault: chunking, hashing on the way, refusing empty input."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO, TypeVar

from .errors import IntegrityError, VaultError

READ_SIZE = 1 << 20
BACKGROUND_MIN = 64 << 10  # smaller pieces are hashed inline: waking a thread would cost more than the hash
_T = TypeVar("_T")


class HashingThread:
    """One background thread for hashing beside other work (hashlib frees the GIL); re-made after a fork,
    since a forked child inherits the pool object but not its thread."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0

    def submit(self, fn: Callable[..., _T], *args: object) -> Future[_T]:
        if self._pool is None or self._pid != os.getpid():
            self._pool, self._pid = ThreadPoolExecutor(1, thread_name_prefix=self._name), os.getpid()
        return self._pool.submit(fn, *args)


class Hasher:
    """Pass chunks through while hashing and counting them.

    With a hashing thread (one worker: updates stay in order) a chunk is hashed while the consumer works on
    it, and at most one chunk waits for its hash, so memory stays bounded.
    """

    def __init__(self, chunks: Iterable[bytes], executor: HashingThread | None = None) -> None:
        self._chunks, self._digest, self.size = chunks, hashlib.sha256(), 0
        self._executor = executor
        self._pending: Future[None] | None = None

    def __iter__(self) -> Iterator[bytes]:
        for piece in self._chunks:
            self._wait()
            if self._executor is None or len(piece) < BACKGROUND_MIN:
                self._digest.update(piece)
            else:
                self._pending = self._executor.submit(self._digest.update, piece)
            self.size += len(piece)
            yield piece

    def hexdigest(self) -> str:
        self._wait()
        return self._digest.hexdigest()

    def _wait(self) -> None:
        if self._pending is not None:
            self._pending.result()
            self._pending = None


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
