"""Coffre-fort throughput: 1 MB deposits to Ceph RGW and fixity audit on the local backend, with references."""

from __future__ import annotations

import contextlib
import hashlib
import io
import multiprocessing
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from archive.factory import open_vault
from bench._common import timed
from registry.db import make_engine, session_factory
from registry.settings import Settings
from tests.harness.ceph import RgwServer, start_rgw
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
        with timed() as reference, _cpu(rgw) as raw_cpu:
            for i, data in enumerate(docs):
                raw.put_object(bucket, f"doc{i}", io.BytesIO(data), len(data))
        with timed() as coffre, _cpu(rgw) as coffre_cpu:
            for data in docs:
                env.vault.deposit(data, kind="justificatif", actor="bench", usager_id=env.usagers[0])
        with timed() as parallel, ThreadPoolExecutor(4) as pool:
            list(
                pool.map(
                    lambda d: env.vault.deposit(d, kind="justificatif", actor="bench", usager_id=env.usagers[1]), docs
                )
            )
        with timed() as processes:  # the embedded default's worker pool on 2 cores: 2 processes, a vault each
            _deposit_from_processes(env.settings, env.usagers[0], docs, 2)
        print(
            f"put to Ceph RGW   coffre (encrypt, Content-MD5, COMPLIANCE, journal), one caller: "
            f"{mb / coffre[0]:6.1f} MB/s (goal >= 50) | raw minio put_object, one caller: {mb / reference[0]:6.1f} MB/s"
            f" | ratio {reference[0] / coffre[0]:.2f}"
        )
        print(
            f"                  CPU per 1 MB put, ms: server (RGW + OSD) {raw_cpu[1] * 1e3 / DOCS:.1f} raw, "
            f"{coffre_cpu[1] * 1e3 / DOCS:.1f} coffre | client {raw_cpu[0] * 1e3 / DOCS:.1f} raw, "
            f"{coffre_cpu[0] * 1e3 / DOCS:.1f} coffre (2 cores shared by both)"
        )
        print(
            f"                  2 worker processes: {mb / processes[0]:6.1f} MB/s | 4 threads of one process: "
            f"{mb / parallel[0]:6.1f} MB/s"
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


@contextlib.contextmanager
def _cpu(rgw: RgwServer) -> Iterator[list[float]]:
    """[this process's CPU seconds, the cluster daemons' CPU seconds] spent inside the block."""
    box: list[float] = []
    client, server = time.process_time(), rgw.cpu_seconds()
    try:
        yield box
    finally:
        box[:] = [time.process_time() - client, rgw.cpu_seconds() - server]


def _deposit_from_processes(settings: Settings, usager_id: int, docs: list[bytes], workers: int) -> None:
    context = multiprocessing.get_context("fork")
    shares = [docs[i::workers] for i in range(workers)]
    procs = [context.Process(target=_deposit_all, args=(settings, usager_id, share)) for share in shares]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
        if proc.exitcode != 0:
            raise RuntimeError(f"a depositing process failed ({proc.exitcode})")


def _deposit_all(settings: Settings, usager_id: int, docs: list[bytes]) -> None:
    vault = open_vault(settings, session_factory(make_engine(settings.database_url)))
    for data in docs:
        vault.deposit(data, kind="justificatif", actor="bench", usager_id=usager_id)
