"""Small helpers shared by the service harnesses: free ports, waiting, stopping processes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def missing(binaries: tuple[str, ...]) -> str | None:
    """None when every binary is on PATH (or an absolute path that exists), else a message."""
    absent = [b for b in binaries if not (os.path.isabs(b) and os.path.exists(b)) and shutil.which(b) is None]
    return f"missing binaries: {', '.join(absent)}" if absent else None


def wait_until(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - the service is not up yet
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not become ready within {timeout:.0f} s")


def terminate(proc: subprocess.Popen[bytes] | None, *, grace: float = 10) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
