"""Start and stop a throwaway Redis server owned by the test run."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import redis

from ._proc import free_port, missing, terminate, wait_until


def redis_available() -> str | None:
    return missing(("redis-server",))


@dataclass
class RedisServer:
    port: int
    workdir: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        terminate(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def start_redis(workdir: Path, *, timeout: float = 20) -> RedisServer:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = (workdir / "redis.log").open("wb")
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--protected-mode",
            "yes",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = RedisServer(port=port, workdir=workdir, process=process)
    try:
        wait_until(lambda: redis.Redis(port=port, socket_timeout=1).ping(), timeout=timeout, what="Redis")
    except RuntimeError:
        server.stop()
        raise
    return server
