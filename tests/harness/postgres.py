"""Start and stop a throwaway PostgreSQL cluster (Debian binaries) owned by the test run."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import psycopg

from ._proc import free_port, wait_until

_FAST = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    " -c listen_addresses=127.0.0.1 -c unix_socket_directories={dir}"
)


def pg_bindir() -> Path | None:
    """The newest Debian PostgreSQL bin directory, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def postgres_available() -> str | None:
    return None if pg_bindir() is not None else "PostgreSQL server binaries not found (apt-get install postgresql)"


@dataclass
class PgServer:
    port: int
    datadir: Path
    _bindir: Path

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def ping(self) -> bool:
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", connect_timeout=2):
            return True

    def stop(self) -> None:
        if self.datadir.exists():
            _as_postgres(
                [str(self._bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop"], check=False
            )
            shutil.rmtree(self.datadir.parent, ignore_errors=True)

    def __enter__(self) -> PgServer:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def start_postgres(*, timeout: float = 60) -> PgServer:
    """initdb + start on a free port; as root, Debian's `postgres` user runs the server."""
    bindir = pg_bindir()
    if bindir is None:
        raise RuntimeError(postgres_available())
    base = Path(tempfile.mkdtemp(prefix="coffre-pg-"))  # /tmp, traversable by the postgres user
    datadir = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    port = free_port()
    server = PgServer(port=port, datadir=datadir, _bindir=bindir)
    try:
        _as_postgres(
            [
                str(bindir / "initdb"),
                "-D",
                str(datadir),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )
        _as_postgres(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(datadir),
                "-l",
                str(base / "server.log"),
                "-w",
                "-t",
                str(int(timeout)),
                "-o",
                f"-p {port} " + _FAST.format(dir=base),
                "start",
            ]
        )
        wait_until(server.ping, timeout=timeout, what="PostgreSQL")
    except Exception as exc:
        log_tail = (base / "server.log").read_text(errors="replace")[-2000:] if (base / "server.log").exists() else ""
        server.stop()
        raise RuntimeError(f"PostgreSQL failed to start: {exc}\n{log_tail}") from exc
    return server


def _as_postgres(argv: list[str], *, check: bool = True) -> None:
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {result.stderr[-2000:]}")
