"""Chunked AES-GCM framing and S3 part regrouping, whatever the sizes of the pieces handed in."""

from __future__ import annotations

import os

import pytest

from archive.backends.s3 import _parts
from archive.crypto import TAG, decrypt_stream, encrypt_stream, header_size, stored_size
from archive.errors import IntegrityError

KEY = bytes(range(32))


def _pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


@pytest.mark.parametrize("chunk", [16, 1000, 4096])
@pytest.mark.parametrize("length", [0, 1, 15, 16, 17, 999, 1000, 1001, 4096, 8192, 10_007])
@pytest.mark.parametrize("piece", [1, 7, 1000, 4096, 1 << 20])
def test_round_trip_and_stored_size(chunk: int, length: int, piece: int) -> None:
    data = os.urandom(length)
    stored = list(encrypt_stream(KEY, _pieces(data, piece), chunk))
    blob = b"".join(stored)
    assert len(blob) == stored_size(length, chunk)
    assert b"".join(decrypt_stream(KEY, [blob])) == data
    # the same plaintext cut differently gives the same framing (one sealed block per full chunk)
    assert len(stored) - 1 == max(1, -(-length // chunk))


def test_last_full_chunk_is_final_so_dropping_or_truncating_is_detected() -> None:
    data = os.urandom(3000)
    blob = b"".join(encrypt_stream(KEY, [data], 1000))
    dropped = blob[: header_size() + 2 * (1000 + TAG)]
    with pytest.raises(IntegrityError):
        b"".join(decrypt_stream(KEY, [dropped]))
    flipped = bytearray(blob)
    flipped[-1] ^= 1
    with pytest.raises(IntegrityError):
        b"".join(decrypt_stream(KEY, [bytes(flipped)]))


@pytest.mark.parametrize("pieces", [[b"a" * 10], [b"a" * 3] * 7, [b"a" * 25], [b"a" * 5, b"b" * 20, b"c"], []])
def test_parts_regroup_bytes_in_order(pieces: list[bytes]) -> None:
    parts = list(_parts(pieces, 10))
    assert b"".join(parts) == b"".join(pieces)
    assert all(len(p) == 10 for p in parts[:-1]) and all(0 < len(p) <= 10 for p in parts)


def test_hashing_thread_works_in_a_forked_child() -> None:
    """Worker pools fork: a child must not wait forever on the parent's (absent) hashing thread."""
    from archive.streams import Hasher, HashingThread

    thread = HashingThread("test")
    assert thread.submit(sum, [1, 2]).result(timeout=5) == 3
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        hasher = Hasher([b"abc"], thread)
        ok = b"".join(hasher) == b"abc" and hasher.hexdigest().startswith("ba7816bf")
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
