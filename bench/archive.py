"""Coffre-fort throughput: 1 MB deposits to Ceph RGW and fixity audit on the local backend, with references."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench._common import timed
from tests.harness.ceph import start_rgw
from tests.vault_env import make_env

DOCS = 200
SIZE = 1 << 20


def main() -> None:
    docs = [os.urandom(SIZE) for _ in range(DOCS)]
    mb = DOCS * SIZE / 1e6
    print(f"\n== coffre-fort: {DOCS} documents of 1 MB ==")
    with tempfile.TemporaryDirectory() as tmp, start_rgw(Path(tmp) / "rgw") as rgw:
        env = make_env("s3", Path(tmp) / "s3", rgw, chunk_size=1 << 20)
        raw, bucket = env.raw_s3, f"raw-{uuid.uuid4().hex[:8]}"
        raw.make_bucket(bucket, object_lock=True)
        with timed() as reference:
            for i, data in enumerate(docs):
                raw.put_object(bucket, f"doc{i}", io.BytesIO(data), len(data))
        with timed() as coffre:
            for data in docs:
                env.vault.deposit(data, kind="justificatif", actor="bench", usager_id=env.usagers[0])
        with timed() as parallel, ThreadPoolExecutor(4) as pool:
            list(
                pool.map(
                    lambda d: env.vault.deposit(d, kind="justificatif", actor="bench", usager_id=env.usagers[1]), docs
                )
            )
        print(
            f"put to Ceph RGW   coffre (encrypt, Content-MD5, COMPLIANCE, journal): {mb / coffre[0]:6.1f} MB/s"
            f" | 4 threads: {mb / parallel[0]:6.1f} MB/s | raw minio put_object: {mb / reference[0]:6.1f} MB/s"
            f" | ratio {reference[0] / coffre[0]:.2f} (4 threads {reference[0] / parallel[0]:.2f})"
        )

        local = make_env("local", Path(tmp) / "local", None, chunk_size=1 << 20)
        for data in docs:
            local.vault.deposit(data, kind="justificatif", actor="bench", usager_id=local.usagers[0])
        blobs = sorted((Path(tmp) / "local" / "vault" / "objects").rglob("*"))
        blobs = [b for b in blobs if b.is_file()]
        with timed() as bare:
            for blob in blobs:
                hashlib.sha256(blob.read_bytes()).hexdigest()
        with timed() as audit:
            report = local.vault.check(actor="bench")
        with timed() as deep:
            local.vault.check(actor="bench", deep=True)
        assert report.failures == [] and report.checked == DOCS
        stored = report.bytes / 1e6
        print(
            f"audit, local      coffre check: {stored / audit[0]:6.1f} MB/s | deep (decrypt too): "
            f"{stored / deep[0]:6.1f} MB/s | bare sha256 of the files: {stored / bare[0]:6.1f} MB/s"
            f" | ratio {bare[0] / audit[0]:.2f}"
        )
