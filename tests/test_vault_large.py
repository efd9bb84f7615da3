"""Large streams: bounded memory for a 2 GB deposit and read; multipart uploads to S3."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.vault_env import make_env

ROOT = Path(__file__).resolve().parents[1]

_SCRIPT = textwrap.dedent("""
    import hashlib, sys
    from pathlib import Path
    from tests.vault_env import make_env

    env = make_env("local", Path(sys.argv[1]), None, chunk_size=1 << 20)
    block = bytes(range(256)) * 4096  # 1 MiB
    size = 2 * 1024 ** 3

    def stream():
        for _ in range(size // len(block)):
            yield block

    receipt = env.vault.deposit(stream(), kind="justificatif", actor="t", usager_id=env.usagers[0])
    digest = hashlib.sha256()
    for piece in env.vault.read(receipt.object_id, actor="t", reason="t"):
        digest.update(piece)
    expected = hashlib.sha256()
    for piece in stream():
        expected.update(piece)
    assert receipt.size == size and digest.hexdigest() == expected.hexdigest() == receipt.sha256
    # VmHWM: this process's own peak (ru_maxrss would include the parent's memory at fork time)
    peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print(int(peak.split()[1]) // 1024)
""")


@pytest.mark.slow
def test_a_2gb_stream_is_deposited_and_read_back_in_bounded_memory(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    peak_mb = int(result.stdout.strip().splitlines()[-1])
    print(f"\n2 GB deposit + read: peak RSS {peak_mb} MB")
    assert peak_mb < 200


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_multipart_sized_documents_round_trip(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    rgw = request.getfixturevalue("rgw") if kind == "s3" else None
    env = make_env(kind, tmp_path, rgw, chunk_size=1 << 20)
    data = os.urandom(12 * 1024 * 1024 + 7)  # three 5 MiB parts on S3
    receipt = env.vault.deposit(
        iter([data[i : i + 100_000] for i in range(0, len(data), 100_000)]),
        kind="justificatif",
        actor="t",
        usager_id=env.usagers[0],
    )
    assert receipt.sha256 == hashlib.sha256(data).hexdigest()
    assert env.vault.read_bytes(receipt.object_id, actor="t", reason="t") == data
    assert env.vault.check(actor="t").failures == []
